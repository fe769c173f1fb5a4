"""Amounts as people type them (``50``, ``50,00``, ``1 234,56``, ``75.5``) and as they read them."""

from __future__ import annotations

import re

from immo_connect.errors import ValidationError
from immo_connect.i18n import _
from immo_connect.wallet import texts as wallet_texts

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def euros(cents: int) -> str:
    """``1 234,56 EUR``: the wallet's notation of amounts, with the currency."""
    return f"{wallet_texts.euros(cents)} EUR"


def _invalid(text: str) -> ValidationError:
    return ValidationError(
        _("{value!r} is not an amount in euros.").format(value=text[:30]),
        hint=_("Type the amount like 50 or 125,50."), field="amount", code="amount_format",
    )


def parse_amount(text: str) -> int:
    """The amount typed in ``text``, in cents; refuses anything that is not a positive amount.

    A comma or a point may separate the cents; a point or space followed by three digits
    groups thousands (``1.234,56``). More than two decimals are refused, never rounded.
    """
    raw = (text or "").strip()
    cleaned = _SPACES.sub("", raw).removesuffix("EUR").removesuffix("€").removeprefix("€")
    if not cleaned:
        raise ValidationError(
            _("The amount is missing."), hint=_("Type the amount like 50 or 125,50."),
            field="amount", code="amount_missing",
        )
    if cleaned.startswith("-"):
        raise ValidationError(
            _("The amount must be more than zero."), hint=_("Type the amount like 50 or 125,50."),
            field="amount", code="amount_not_positive",
        )
    if not _NUMBER.fullmatch(cleaned):
        raise _invalid(raw)
    separators = [i for i, ch in enumerate(cleaned) if ch in ".,"]
    decimal_at: int | None = None
    if separators:
        last = separators[-1]
        digits_after = len(cleaned) - last - 1
        # The last separator is the decimal one unless it is a point grouping thousands.
        if not (cleaned[last] == "." and digits_after == 3 and "," not in cleaned):
            decimal_at = last
    whole_part = cleaned[:decimal_at] if decimal_at is not None else cleaned
    fraction = cleaned[decimal_at + 1:] if decimal_at is not None else ""
    if any(ch == "," for ch in whole_part) or any(
        len(group) != 3 for group in whole_part.split(".")[1:]
    ):
        raise _invalid(raw)
    if len(fraction) > 2:
        raise ValidationError(
            _("An amount in euros has at most two decimals ({value!r}).").format(value=raw[:30]),
            hint=_("Type the amount like 50 or 125,50."), field="amount", code="amount_decimals",
        )
    cents = int(whole_part.replace(".", "")) * 100 + int((fraction + "00")[:2])
    if cents <= 0:
        raise ValidationError(
            _("The amount must be more than zero."), hint=_("Type the amount like 50 or 125,50."),
            field="amount", code="amount_not_positive",
        )
    return cents
