"""Amounts, dates and plural forms by language (Babel), through one module."""

from __future__ import annotations

import datetime as dt

import pytest

from immo_connect import formatting, i18n
from immo_connect.accounts.codes import wrong_code
from immo_connect.payments._money import euros as money_text
from immo_connect.wallet.texts import euros

NNBSP = "\u202f"  # between thousands in French, as CLDR writes it


@pytest.mark.parametrize(("language", "expected"), [
    ("nl", "1.234,56 €"), ("fr", f"1{NNBSP}234,56 €"), ("en", "€1,234.56")])
def test_amounts_are_written_as_each_language_writes_them(language: str, expected: str) -> None:
    assert formatting.money(123456, language=language) == expected
    with i18n.using(language):
        assert money_text(123456) == expected  # the services' notation follows the reader


def test_amounts_without_currency_signs_and_negative_amounts() -> None:
    assert formatting.amount(-123456, language="nl") == "-1.234,56"
    assert formatting.amount(500, language="en", sign=True) == "+5.00"
    assert formatting.money(-2000, language="fr") == "-20,00 €"
    assert formatting.money(None) == "—"
    with i18n.using("en"):
        assert euros(1234567) == "12,345.67"
    assert euros(1234567) == f"12{NNBSP}345,67"  # the installation's default: French


def test_dates_by_language() -> None:
    moment = dt.datetime(2026, 3, 5, 14, 7)
    assert formatting.date_time(moment, language="nl") == "05/03/2026 14:07"
    assert formatting.long_date(moment.date(), language="nl") == "5 maart 2026"
    assert formatting.long_date(moment.date(), language="fr") == "5 mars 2026"
    assert formatting.long_date(moment.date(), language="en") == "5 March 2026"


@pytest.mark.parametrize(("language", "one", "two"), [
    ("fr", "encore 1 essai)", "encore 2 essais)"),
    ("nl", "nog 1 poging)", "nog 2 pogingen)"),
    ("en", "(1 attempt left)", "(2 attempts left)"),
])
def test_plural_forms_instead_of_parentheses(language: str, one: str, two: str) -> None:
    with i18n.using(language):
        assert one in wrong_code(1).message and two in wrong_code(2).message
        assert "(s)" not in wrong_code(1).message and "(en)" not in wrong_code(2).message
