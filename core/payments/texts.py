"""Words for top-up statuses and outcomes (translated at display; a symbol with each word)."""

from __future__ import annotations

from immo_connect.i18n import N_, _, word_for

STATUS_WORDS: dict[str, str] = {
    "created": N_("Preparing the payment"),
    "open": N_("Waiting for your payment"),
    "pending": N_("Payment being processed"),
    "paid": N_("Paid"),
    "failed": N_("Failed"),
    "expired": N_("Expired"),
    "canceled": N_("Canceled"),
    "error": N_("Refused by the payment provider"),
}
STATUS_SYMBOLS: dict[str, str] = {
    "created": "⏳", "open": "⏳", "pending": "⏳", "paid": "✓",
    "failed": "✗", "expired": "✗", "canceled": "✗", "error": "✗",
}
OUTCOMES: dict[str, str] = {
    "paid": N_("Payment received: {amount} was added to the wallet."),
    "failed": N_("The payment failed: nothing was charged and the balance did not change."),
    "expired": N_("The payment expired before it was completed: nothing was charged."),
    "canceled": N_("The payment was canceled: nothing was charged."),
    "error": N_("The payment provider refused the payment: nothing was charged."),
}


def status_text(status: str) -> str:
    """``⏳ Waiting for your payment`` — a symbol and words, never colour alone."""
    word = _(STATUS_WORDS[status]) if status in STATUS_WORDS else status
    return f"{STATUS_SYMBOLS.get(status, '•')} {word}"


def outcome_text(status: str, amount: str) -> str:
    """The sentence shown once a top-up is final; empty while it is not."""
    return _(OUTCOMES[status]).format(amount=amount) if status in OUTCOMES else ""


# A top-up's refunds and chargebacks (immo_connect.payments.models.REVERSAL_ROW_STATUSES).
REVERSAL_KIND_WORDS: dict[str, str] = {"refund": N_("refund"), "chargeback": N_("chargeback")}
REVERSAL_STATUS_WORDS: dict[str, str] = {
    "requested": N_("request sent"),
    "pending": N_("being processed"),
    "refunded": N_("money refunded"),
    "failed": N_("failure"),
    "canceled": N_("cancellation"),
    "charged_back": N_("money charged back"),
    "reversed": N_("chargeback reversed"),
    "error": N_("refusal of the payment provider"),
}


def reversal_kind_word(kind: str) -> str:
    return word_for(REVERSAL_KIND_WORDS, kind)


def reversal_status_word(status: str) -> str:
    return word_for(REVERSAL_STATUS_WORDS, status)
