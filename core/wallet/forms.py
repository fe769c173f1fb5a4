"""Reading what people type in forms: amounts in euros, dates, numbers, filters.

Front ends pass the raw text; each function returns the value or raises a
:class:`~immo_connect.errors.ValidationError` naming the field, so every screen (terminal,
SSH) reads input the same way.
"""

from __future__ import annotations

import datetime as dt
import re

from immo_connect.errors import ValidationError
from immo_connect.i18n import _
from immo_connect.wallet._views import TransactionFilter
from immo_connect.wallet.models import MAX_AMOUNT_CENTS

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CURRENCY = re.compile(r"^(?:€|EUR)|(?:€|EUR)$", re.IGNORECASE)
_DAY_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def _not_euros(text: str) -> ValidationError:
    return ValidationError(
        _("{value!r} is not an amount in euros.").format(value=text[:30]),
        hint=_("Type the amount like 50 or 125,50."), field="amount", code="amount_format",
    )


def _not_positive() -> ValidationError:
    return ValidationError(
        _("The amount must be more than zero."), hint=_("Type the amount like 50 or 125,50."),
        field="amount", code="amount_not_positive",
    )


def parse_euros(text: str) -> int:
    """The cents of an amount typed ``50``, ``12,50``, ``75.5``, ``1 234,56``, ``1.234,56``, ``€ 60``…

    A comma or a point may separate the cents; a point or space followed by three digits
    groups thousands. More than two decimals are refused, never rounded; so is anything
    that is not a positive amount one wallet movement can hold.
    """
    raw = (text or "").strip()
    cleaned = _CURRENCY.sub("", _SPACES.sub("", raw))
    if not cleaned:
        raise ValidationError(
            _("The amount is missing."), hint=_("Type the amount like 50 or 125,50."),
            field="amount", code="amount_missing",
        )
    if cleaned.startswith("-"):
        raise _not_positive()
    if not _NUMBER.fullmatch(cleaned):
        raise _not_euros(raw)
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
        raise _not_euros(raw)
    if len(fraction) > 2:
        raise ValidationError(
            _("An amount in euros has at most two decimals ({value!r}).").format(value=raw[:30]),
            hint=_("Type the amount like 50 or 125,50."), field="amount", code="amount_decimals",
        )
    cents = int(whole_part.replace(".", "")) * 100 + int((fraction + "00")[:2])
    if cents <= 0:
        raise _not_positive()
    if cents > MAX_AMOUNT_CENTS:
        raise ValidationError(
            _("The amount is too large for one wallet movement."),
            hint=_("Split it into several smaller amounts."), field="amount", code="amount_too_large",
        )
    return cents


def parse_day(text: str, *, field: str) -> dt.date | None:
    """A calendar day written ``31/12/2026`` (or ``2026-12-31``); None when empty."""
    value = (text or "").strip()
    if not value:
        return None
    for pattern in _DAY_FORMATS:
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValidationError(
        _("{text!r} is not a date.").format(text=value), hint=_("Write the date as DD/MM/YYYY."),
        field=field, code="date_format",
    )


def filter_from_form(number: str, date_from: str, date_to: str, status: str | None,
                     kind: str | None, by: str | None = None) -> TransactionFilter:
    """The filter the wallet screen's fields describe (empty fields: no filter)."""
    text = (number or "").strip().lstrip("#")
    if text and not text.isdigit():
        raise ValidationError(
            _("{text!r} is not a transaction number.").format(text=number),
            hint=_("Type the number as shown in the list."), field="number", code="number_invalid",
        )
    return TransactionFilter(
        number=int(text) if text else None,
        date_from=parse_day(date_from, field="date_from"),
        date_to=parse_day(date_to, field="date_to"),
        status=status or None,
        type=kind or None,
        by=by or None,
    )
