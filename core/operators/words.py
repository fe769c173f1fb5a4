"""Words for the back office's codes, shared by the screens and the command line (translated
where they are shown): a money request's kind and status, an operator's role."""

from __future__ import annotations

from immo_connect.i18n import N_, word_for
from immo_connect.operators.access import ROLE_WORDS

REQUEST_KIND_WORDS: dict[str, str] = {
    "credit": N_("credit"), "debit": N_("debit"), "refund": N_("refund"), "card_refund": N_("card refund"),
}
REQUEST_STATUS_WORDS: dict[str, str] = {
    "pending": N_("waiting for approval"), "approved": N_("approved"), "booked": N_("booked"),
    "failed": N_("failed"), "rejected": N_("rejected"),
}


def request_kind_word(kind: str) -> str:
    return word_for(REQUEST_KIND_WORDS, kind)


def request_status_word(status: str) -> str:
    return word_for(REQUEST_STATUS_WORDS, status)


def role_word(role: str) -> str:
    return word_for(ROLE_WORDS, role)
