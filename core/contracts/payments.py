"""The contract of a payment method: a way to top up a wallet (see docs/payments.md).

A plugin registers :class:`PaymentMethod` objects from its
``immo_connect_register_payment_methods(register, config)`` hook. The shape follows real
payment providers (Mollie, Stripe, Worldline): the platform *creates* a payment with an
amount, a description and an idempotency key, the provider answers with its own payment
id and a checkout link the payer opens, and the platform then *gets* the payment until
its status is final. Money only moves on the platform's side, and only once, when the
provider says ``paid``.

A method of kind ``"bank_transfer"`` creates nothing: it tells the payer where to send the
money (:meth:`PaymentMethod.transfer_details`); bank statements do the rest.

Money is always an integer number of cents. Nothing here imports Textual or the database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Literal

from immo_connect.contracts._base import Contribution
from immo_connect.errors import ImmoConnectError

PaymentStatus = Literal["open", "pending", "paid", "failed", "expired", "canceled"]
PaymentKind = Literal["online", "bank_transfer"]
ReversalKind = Literal["refund", "chargeback"]
#: A refund: ``pending`` (asked, not yet carried out), ``refunded``, ``failed``, ``canceled``.
#: A chargeback: ``charged_back``, or ``reversed`` when the bank gave the money back.
ReversalStatus = Literal["pending", "refunded", "failed", "canceled", "charged_back", "reversed"]
#: Statuses in which the money of a refund or chargeback has left (or is leaving) the provider.
MONEY_TAKEN_STATUSES: frozenset[str] = frozenset({"pending", "refunded", "charged_back"})

#: Every status a provider payment can have, in lifecycle order.
PAYMENT_STATUSES: tuple[PaymentStatus, ...] = ("open", "pending", "paid", "failed", "expired", "canceled")
#: Statuses that never change again.
FINAL_STATUSES: frozenset[str] = frozenset({"paid", "failed", "expired", "canceled"})

#: Limits of one online top-up (manual 2.2.7 d: at least 50 EUR; at most 5,000 EUR).
DEFAULT_MINIMUM_CENTS = 5_000
DEFAULT_MAXIMUM_CENTS = 500_000


class PaymentProviderError(ImmoConnectError):
    """The provider refused a request or could not be reached. Nothing was credited."""

    code = "payment_provider"


@dataclasses.dataclass(frozen=True)
class PaymentLimits:
    """Amounts one top-up must stay within (inclusive), in cents."""

    minimum_cents: int = DEFAULT_MINIMUM_CENTS
    maximum_cents: int = DEFAULT_MAXIMUM_CENTS


@dataclasses.dataclass(frozen=True)
class PaymentOption:
    """A way to pay that the payer chooses on the top-up screen (a card brand, Bancontact).

    ``code`` is the platform's name for it, ``title`` the brand as printed on the card
    (never translated), ``provider_method`` what the provider's API calls it.
    """

    code: str
    title: str
    provider_method: str


#: The online options Immo-Connect offers (manual 2.2.7 d), with their Mollie method names.
#: Mollie takes Mastercard, Maestro and Visa through its card method.
CARD_OPTIONS: tuple[PaymentOption, ...] = (
    PaymentOption("bancontact", "Bancontact", "bancontact"),
    PaymentOption("mastercard", "Mastercard", "creditcard"),
    PaymentOption("maestro", "Maestro", "creditcard"),
    PaymentOption("visa", "Visa", "creditcard"),
)


@dataclasses.dataclass(frozen=True)
class PaymentRequest:
    """What the platform asks a provider to create.

    ``idempotency_key`` is derived from the platform's own payment record: sending the same
    request again (after a timeout, from another process) must return the same provider
    payment, never a second one.
    """

    amount_cents: int
    description: str
    idempotency_key: str
    option: str = "bancontact"
    currency: str = "EUR"
    redirect_url: str = ""
    webhook_url: str = ""
    metadata: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class ProviderPayment:
    """A payment as the provider sees it."""

    provider_payment_id: str
    status: PaymentStatus
    amount_cents: int
    currency: str = "EUR"
    checkout_url: str = ""
    method: str = ""
    failure_reason: str = ""
    #: What of the payment was refunded (refunds asked included) and charged back, in cents.
    refunded_cents: int = 0
    charged_back_cents: int = 0

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


@dataclasses.dataclass(frozen=True)
class RefundRequest:
    """A refund the platform asks of a paid payment; the same ``idempotency_key`` must
    return the same refund, never a second one. ``metadata`` comes back on the refund."""

    provider_payment_id: str
    amount_cents: int
    description: str
    idempotency_key: str
    currency: str = "EUR"
    metadata: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class ProviderReversal:
    """A refund or a chargeback of a payment, as the provider sees it."""

    provider_reversal_id: str
    kind: ReversalKind
    status: ReversalStatus
    amount_cents: int
    currency: str = "EUR"
    reason: str = ""  # a chargeback's reason code and words, when the provider gives them
    metadata: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def takes_money(self) -> bool:
        return self.status in MONEY_TAKEN_STATUSES


@dataclasses.dataclass(frozen=True)
class TransferDetails:
    """Where to send a bank transfer so that it is credited automatically."""

    beneficiary: str
    iban: str
    bic: str
    communication: str  # the wallet's structured communication, as +++123/4567/89002+++
    processing_days: int = 3


class PaymentMethod(Contribution):
    """A way to top up a wallet, contributed by a payment plugin.

    Subclasses set the class attributes and implement the methods of their kind:
    online methods implement :meth:`create_payment` and :meth:`get_payment` (and
    :meth:`payment_id_from_webhook` when the provider calls back); bank-transfer methods
    implement :meth:`transfer_details`. Errors a user can act on are raised as
    :class:`PaymentProviderError` with a translated message and hint.
    """

    title: str = ""
    kind: PaymentKind = "online"
    limits: PaymentLimits = PaymentLimits()
    options: tuple[PaymentOption, ...] = ()
    #: Payments are simulated: the screen offers a confirmation step (:meth:`simulate`).
    test_mode: bool = False
    #: The provider refunds paid payments through :meth:`create_refund`.
    can_refund: bool = False

    def option(self, code: str) -> PaymentOption | None:
        return next((o for o in self.options if o.code == code), None)

    # -- online ------------------------------------------------------------------------

    def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        """Create a payment at the provider; return its id, status and checkout link."""
        raise NotImplementedError(f"{self.name} does not create payments")

    def get_payment(self, provider_payment_id: str) -> ProviderPayment:
        """Fetch the current state of a payment from the provider."""
        raise NotImplementedError(f"{self.name} does not look payments up")

    def payment_id_from_webhook(self, headers: Mapping[str, str], body: bytes) -> str | None:
        """The provider payment id a webhook call is about, or ``None`` if it is not one.

        The platform never trusts the call's content beyond this id: it fetches the
        payment with :meth:`get_payment` before acting on it.
        """
        return None

    def simulate(self, provider_payment_id: str, outcome: PaymentStatus) -> ProviderPayment:
        """Test-mode only: play the payer's part (pay, fail, cancel, let expire)."""
        raise NotImplementedError(f"{self.name} is not a test-mode method")

    # -- money taken back ----------------------------------------------------------------------

    def list_reversals(self, provider_payment_id: str) -> list[ProviderReversal]:
        """Every refund and chargeback of a payment (the platform books each once)."""
        return []

    def create_refund(self, request: RefundRequest) -> ProviderReversal:
        """Ask the provider to refund (part of) a paid payment."""
        raise NotImplementedError(f"{self.name} does not refund payments")

    def simulate_reversal(self, provider_payment_id: str, kind: ReversalKind, amount_cents: int) -> ProviderReversal:
        """Test-mode only: play the card holder's bank (a chargeback) or the provider's
        dashboard (a refund) on a paid payment."""
        raise NotImplementedError(f"{self.name} is not a test-mode method")

    # -- bank transfer ---------------------------------------------------------------------

    def transfer_details(
        self, *, communication: str, beneficiary: str, iban: str, bic: str
    ) -> TransferDetails:
        """Where the payer sends the money; the arguments are the platform's defaults."""
        raise NotImplementedError(f"{self.name} is not a bank transfer method")
