"""What the built-in payment plugins share: configurable limits of one online top-up, the
offered options and the provider errors they report alike."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from immo_connect.contracts.payments import (
    CARD_OPTIONS,
    DEFAULT_MAXIMUM_CENTS,
    DEFAULT_MINIMUM_CENTS,
    PaymentLimits,
    PaymentMethod,
    PaymentOption,
    PaymentProviderError,
)
from immo_connect.errors import ConfigurationError
from immo_connect.i18n import _


@dataclasses.dataclass(frozen=True)
class OnlineLimitsConfig:
    """Keys every online payment plugin accepts in its ``[plugins.<name>]`` table.

    Amounts are whole euros, as the operator thinks of them; ``options`` lists the ways to
    pay offered on the top-up screen, among bancontact, mastercard, maestro and visa.
    """

    minimum_eur: int = DEFAULT_MINIMUM_CENTS // 100
    maximum_eur: int = DEFAULT_MAXIMUM_CENTS // 100
    options: tuple[str, ...] = tuple(o.code for o in CARD_OPTIONS)

    table: ClassVar[str] = "plugins.<name>"  # for messages: the table these keys sit in

    def __post_init__(self) -> None:
        where = f"plugins.toml [{self.table}]"
        if self.minimum_eur < 1:
            raise ConfigurationError(
                f"{where} minimum_eur must be at least 1 (got {self.minimum_eur}).",
                hint="Set minimum_eur to a whole number of euros, e.g. 50.",
            )
        if self.maximum_eur < self.minimum_eur:
            raise ConfigurationError(
                f"{where} maximum_eur ({self.maximum_eur}) is below minimum_eur ({self.minimum_eur}).",
                hint="Raise maximum_eur or lower minimum_eur.",
            )
        known = {o.code for o in CARD_OPTIONS}
        unknown = [code for code in self.options if code not in known]
        if unknown or not self.options:
            raise ConfigurationError(
                f"{where} options must list some of {', '.join(sorted(known))} (got {', '.join(unknown) or 'none'}).",
                hint="Write options = [\"bancontact\", \"visa\"] or leave the key out for all of them.",
            )

    @property
    def limits(self) -> PaymentLimits:
        return PaymentLimits(self.minimum_eur * 100, self.maximum_eur * 100)

    @property
    def payment_options(self) -> tuple[PaymentOption, ...]:
        return tuple(o for o in CARD_OPTIONS if o.code in self.options)


def euros(cents: int) -> str:
    """Cents as a decimal string with two places, the way provider APIs want amounts."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def offered_option(method: PaymentMethod, code: str) -> PaymentOption:
    """The method's option ``code``; a provider refusal when the method does not offer it."""
    option = method.option(code)
    if option is None:
        raise PaymentProviderError(
            _("This payment method is not offered."),
            hint=_("Choose one of the payment methods shown."), field="option",
        )
    return option


def unknown_payment() -> PaymentProviderError:
    return PaymentProviderError(
        _("The payment provider does not know this payment."),
        hint=_("Start a new top-up; nothing was charged for this one."),
    )


def unreadable_answer() -> PaymentProviderError:
    return PaymentProviderError(
        _("The payment provider sent an answer the platform cannot read."),
        hint=_("Try again in a moment; if it persists, contact support."),
    )
