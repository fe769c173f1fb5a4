"""Amounts, numbers and dates as the person reading them writes them (Babel, CLDR data).

One module for every front end, mail and document: ``1.234,56 €`` in Dutch (Belgium),
``1 234,56 €`` in French (Belgium), ``€1,234.56`` in English. The language is the current
one (:func:`immo_connect.i18n.get_language`) unless given. The CSV export keeps its own
writer (``wallet/export.py``: decimal comma, ``;``, in every language, as Belgian Excel reads it). Babel is imported at first use,
so commands that print no amount do not pay for its data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from immo_connect import i18n

if TYPE_CHECKING:
    from babel import Locale

# The CLDR locale of each language of the platform (Belgian usage; British for English dates).
LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB"}
# Amounts: the sign of the euro after the number in French and Dutch, before it in English.
MONEY_PATTERNS = {"fr": "#,##0.00 ¤", "nl": "#,##0.00 ¤", "en": "¤#,##0.00"}
NUMBER_PATTERN = "#,##0.00"
DATE_PATTERNS = {"fr": "dd/MM/yyyy", "nl": "dd/MM/yyyy", "en": "dd/MM/yyyy"}
DATE_TIME_PATTERNS = {"fr": "dd/MM/yyyy HH:mm", "nl": "dd/MM/yyyy HH:mm", "en": "dd/MM/yyyy HH:mm"}


def _language(language: str | None) -> str:
    chosen = language or i18n.get_language()
    return chosen if chosen in LOCALES else i18n.DEFAULT_LANGUAGE


@cache
def locale(language: str) -> Locale:
    from babel import Locale

    return Locale.parse(LOCALES[_language(language)])


def _cents(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def money(cents: int | None, *, language: str | None = None, sign: bool = False) -> str:
    """An amount of euro cents with its currency: ``1 234,56 €``, ``1.234,56 €``, ``€1,234.56``."""
    if cents is None:
        return "—"
    from babel.numbers import format_currency

    chosen = _language(language)
    text = format_currency(_cents(cents), "EUR", format=MONEY_PATTERNS[chosen], locale=locale(chosen),
                           currency_digits=False)
    return ("+" + text) if sign and cents > 0 else text


def amount(cents: int | None, *, language: str | None = None, sign: bool = False) -> str:
    """An amount of euro cents without the currency (tables whose heading names it)."""
    if cents is None:
        return "—"
    from babel.numbers import format_decimal

    chosen = _language(language)
    text = format_decimal(_cents(cents), format=NUMBER_PATTERN, locale=locale(chosen))
    return ("+" + text) if sign and cents > 0 else text


def date(value: dt.date | None, *, language: str | None = None) -> str:
    if value is None:
        return "—"
    from babel.dates import format_date

    chosen = _language(language)
    return format_date(value, DATE_PATTERNS[chosen], locale=locale(chosen))


def date_time(value: dt.datetime | None, *, language: str | None = None) -> str:
    """A moment as written on screen and in documents (the caller gives it in local time)."""
    if value is None:
        return "—"
    from babel.dates import format_datetime

    chosen = _language(language)
    return format_datetime(value, DATE_TIME_PATTERNS[chosen], tzinfo=value.tzinfo, locale=locale(chosen))


def long_date(value: dt.date, *, language: str | None = None) -> str:
    """``5 mars 2026``, ``5 maart 2026``, ``5 March 2026``."""
    from babel.dates import format_date

    chosen = _language(language)
    return format_date(value, "long", locale=locale(chosen))
