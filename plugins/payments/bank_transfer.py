"""Top-ups by ordinary bank transfer, credited from the bank's statements.

The payer transfers to the platform's account with the wallet's own structured
communication; ``immo-connect bank import`` reads the statement (CODA or camt.053) and
credits each transfer whose communication belongs to a wallet. Transfers without it wait
in the suspense list until an operator assigns them.

Configuration (``plugins.toml``); empty values fall back to ``[platform]`` iban / bic /
legal_name::

    [plugins.bank_transfer]
    # iban = "BE71 0961 2345 6769"
    # bic = "GKCCBEBB"
    # beneficiary = "Immo-Connect SRL"
    # processing_days = 3
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from immo_connect import hookimpl
from immo_connect.config_schema import Range
from immo_connect.contracts.payments import PaymentLimits, PaymentMethod, TransferDetails
from immo_connect.errors import ConfigurationError, ValidationError
from immo_connect.formats import iban as iban_format
from immo_connect.i18n import N_


@dataclasses.dataclass(frozen=True)
class BankTransferConfig:
    iban: str = ""
    bic: str = ""
    beneficiary: str = ""
    processing_days: Annotated[int, Range(0, 30)] = 3

    def __post_init__(self) -> None:
        where = "plugins.toml [plugins.bank_transfer]"
        try:
            if self.iban:
                iban_format.validate(self.iban)
            if self.bic:
                iban_format.validate_bic(self.bic)
        except ValidationError as error:
            raise ConfigurationError(f"{where} {error.field}: {error.message}",
                                     hint="Correct the value, or leave it out to use [platform].") from None
        if not 0 <= self.processing_days <= 30:
            raise ConfigurationError(f"{where} processing_days must be between 0 and 30.",
                                     hint="Give the usual number of days, e.g. 3.")


class BankTransfer(PaymentMethod):
    """Shows where to transfer; the money arrives through the bank statements."""

    name = "bank_transfer"
    title = N_("Bank transfer")
    kind = "bank_transfer"

    def __init__(self, config: BankTransferConfig) -> None:
        self.config = config
        # A bank transfer has no minimum: whatever arrives with the communication is credited.
        self.limits = PaymentLimits(minimum_cents=1, maximum_cents=10**12)

    def transfer_details(
        self, *, communication: str, beneficiary: str, iban: str, bic: str
    ) -> TransferDetails:
        return TransferDetails(
            beneficiary=self.config.beneficiary or beneficiary,
            iban=iban_format.format_iban(self.config.iban or iban),
            bic=(self.config.bic or bic).upper(),
            communication=communication,
            processing_days=self.config.processing_days,
        )


@hookimpl
def immo_connect_config_schema() -> type:
    return BankTransferConfig


@hookimpl
def immo_connect_register_payment_methods(register: Any, config: BankTransferConfig) -> None:
    register(BankTransfer(config))
