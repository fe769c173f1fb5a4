"""Words for kinds and statuses (translated at display: screens, CSV, vouchers)."""

from __future__ import annotations

from immo_connect.i18n import N_, word_for
from immo_connect.wallet._reversal import RESTORE_REASONS, REVERSAL_REASONS
from immo_connect.wallet.models import (
    KIND_BANK_TRANSFER,
    KIND_CORRECTION,
    KIND_ONLINE_TOPUP,
    KIND_REVERSAL,
    KIND_TOOL,
    KIND_TRANSFER,
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SUCCEEDED,
)

KIND_LABELS: dict[str, str] = {
    KIND_ONLINE_TOPUP: N_("Online top-up"),
    KIND_BANK_TRANSFER: N_("Bank transfer"),
    KIND_TRANSFER: N_("Transfer between wallets"),
    KIND_TOOL: N_("Use of a tool"),
    KIND_CORRECTION: N_("Correction"),
    KIND_REVERSAL: N_("Top-up taken back"),
}

# A word and a symbol for each status: never colour alone.
STATUS_LABELS: dict[str, str] = {
    STATUS_SUCCEEDED: N_("Succeeded"),
    STATUS_FAILED: N_("Failed"),
    STATUS_PENDING: N_("Pending"),
}
STATUS_SYMBOLS: dict[str, str] = {STATUS_SUCCEEDED: "✓", STATUS_FAILED: "✗", STATUS_PENDING: "…"}

REASON_LABELS: dict[str, str] = {
    "insufficient_funds": N_("The balance was too low."),
    "payment_failed": N_("The payment was refused."),
    "payment_canceled": N_("The payment was cancelled."),
    "payment_expired": N_("The payment expired before it was made."),
    **REVERSAL_REASONS,
    **RESTORE_REASONS,
}


def kind_label(kind: str) -> str:
    return word_for(KIND_LABELS, kind)


def status_label(status: str) -> str:
    return word_for(STATUS_LABELS, status)


def reason_label(reason: str) -> str:
    return word_for(REASON_LABELS, reason)


def euros(cents: int | None, *, sign: bool = False) -> str:
    """An amount without the currency, as the reader's language writes it (``1 234,56``)."""
    from immo_connect import formatting

    return formatting.amount(cents, sign=sign)
