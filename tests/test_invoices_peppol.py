"""Every UBL document the invoices make passes the official Peppol BIS Billing 3.0 rules:
both Schematron files of specs/peppol (EN 16931 and Peppol), with no fatal assert.

The validator is proven first in the same test: the official examples pass and a broken
copy fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from immo_connect.clock import FrozenClock
from immo_connect.invoices import ubl
from immo_connect.invoices.amounts import GrossLine, compute
from immo_connect.invoices.document import InvoiceDocument, Party
from immo_connect.invoices.models import Invoice
from immo_connect.platform import Platform
from tests.support.invoices import MONTH, SELLER, make_month
from tests.support.peppol import EXAMPLES, SPECS, PeppolValidator

pytestmark = pytest.mark.slow  # compiling the two Schematron files takes several seconds


@pytest.fixture(scope="session")
def validator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PeppolValidator]:
    yield PeppolValidator(tmp_path_factory.mktemp("schematron"))


def test_the_validator_passes_the_official_examples_and_fails_a_broken_copy(validator: PeppolValidator) -> None:
    for example in EXAMPLES:
        assert validator.fatal((SPECS / example).read_bytes()) == [], example
    broken = (SPECS / "base-example.xml").read_text(encoding="utf-8").replace(
        "<cbc:IssueDate>2017-11-13</cbc:IssueDate>", "<cbc:IssueDate>13-11-2017</cbc:IssueDate>")
    assert "13-11-2017" in broken
    assert [f.rule for f in validator.fatal(broken.encode())] == ["PEPPOL-EN16931-F001"]
    wrong_total = (SPECS / "base-example.xml").read_text(encoding="utf-8").replace(
        '<cbc:PayableAmount currencyID="EUR">1656.25', '<cbc:PayableAmount currencyID="EUR">1656.24')
    assert "BR-CO-16" in {f.rule for f in validator.fatal(wrong_total.encode())}


@pytest.mark.parametrize("vat_on", ["use", "topup"])
def test_every_invoice_and_credit_note_of_a_month_is_valid_peppol(
    validator: PeppolValidator, make_platform: Callable[..., Platform], database_url: str, clock: FrozenClock,
    vat_on: str,
) -> None:
    platform = make_platform(database_url, config_text=SELLER.replace(
        "[invoices.tool_vat_rates]", f'vat_on = "{vat_on}"\n[invoices.tool_vat_rates]'))
    month = make_month(platform, clock)
    if vat_on == "topup":  # a top-up taken back in the month, for the credit note
        clock.current = dt.datetime(2026, 10, 20, 12)
        first = month.organisations[0]
        topup = platform.wallet.credit(int(first.id), 5_000, kind="online_topup", description="Card",
                                       idempotency_key="test:peppol:topup")
        platform.wallet.take_back(int(first.id), 2_000, original_transaction_id=int(topup.id), reason="chargeback",
                                  description="Chargeback", reference="cb_1", idempotency_key="test:peppol:cb")
        clock.current = dt.datetime(2026, 11, 3, 8)
    report = platform.invoices.run(MONTH)
    assert report.issued
    kinds = set()
    for invoice in Invoice.select():
        xml = platform.invoices.xml_bytes(invoice)
        assert validator.fatal(xml) == [], (invoice.number, invoice.kind)
        kinds.add(str(invoice.kind))
        if vat_on == "use" and invoice.kind == "invoice":  # lines per tool and usage mode, valid as such
            assert b"<cbc:Name>usage_mode</cbc:Name>" in xml and b":agent</cbc:ID>" in xml
    assert kinds == {"invoice", "credit_note"}
    # A month without any use issues nothing (and so nothing to validate).
    assert platform.invoices.run("2026-08").issued == ()


def test_an_invoice_of_ten_thousand_lines_is_valid_peppol(validator: PeppolValidator) -> None:
    # Prices from 0,01 to 100,00 EUR, used 1 to 997 times, at three VAT rates.
    lines = [GrossLine(f"tool{n % 37}", f"Outil {n} — action «{n}» & co", 1 + (n * 7919) % 10_000,
                       1 + (n * 31) % 997, Decimal(("21", "6", "12")[n % 3])) for n in range(10_000)]
    totals = compute(lines)
    assert totals.net_cents + totals.vat_cents + totals.rounding_cents == sum(line.gross_cents for line in lines)
    seller = Party("Immo-Connect SRL", "Rue de la Loi 1", "1000", "Bruxelles", "BE", "0403170701",
                   "BE0403170701", "facturation@immo-connect.be", "BE71096123456769", "GKCCBEBB")
    buyer = Party("Agence <Lumière> & Fils", "Rue Haute 12", "1000", "Bruxelles", "BE", "0007127124", "BE0007127124")
    document = InvoiceDocument("invoice", "2026-000042", dt.date(2026, 11, 3), dt.date(2026, 10, 1),
                               dt.date(2026, 10, 31), seller, buyer, totals, "use")
    assert validator.fatal(ubl.render(document, payment_note="Paid from the prepaid wallet.")) == []


def test_control_characters_in_names_do_not_break_the_xml(validator: PeppolValidator, tmp_path: Path) -> None:
    totals = compute([GrossLine("t", "Bad\x00name\x1b[31m", 150, 2, Decimal("21"))])
    party = Party("Org\x07", "Street", "1000", "Bruxelles", "BE", "0403170701", "BE0403170701")
    document = InvoiceDocument("credit_note", "2026-000001", dt.date(2026, 11, 3), dt.date(2026, 10, 1),
                               dt.date(2026, 10, 31), party, party, totals, "use", "2026-000000", dt.date(2026, 11, 2))
    assert validator.fatal(ubl.render(document, payment_note="x")) == []
