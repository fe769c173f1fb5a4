"""Reading what people type in the wallet's forms: amounts in euros, dates, numbers, filters.

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

_EUROS = re.compile(r"(\d{1,10})(?:[.,](\d{1,2}))?")
_DAY_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def parse_euros(text: str, *, field: str = "amount") -> int:
    """Cents of an amount written ``12,50``, ``12.5``, ``1 250`` or ``€ 12``."""
    compact = re.sub(r"[\s\u202f\u00a0€]|EUR", "", text or "", flags=re.IGNORECASE)
    found = _EUROS.fullmatch(compact)
    if not found:
        raise ValidationError(
            _("{text!r} is not an amount in euros.").format(text=text),
            hint=_("Write the amount like 50 or 12,50."), field=field, code="amount_format",
        )
    cents = int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0"))
    if cents <= 0 or cents > MAX_AMOUNT_CENTS:
        raise ValidationError(
            _("The amount must be more than zero."), hint=_("Write the amount like 50 or 12,50."),
            field=field, code="amount_not_positive",
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
                     kind: str | None) -> TransactionFilter:
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
    )
