"""Monthly invoices on SQLite and PostgreSQL: what is invoiced, numbering, idempotency, credit
notes, the PDF's totals against the ledger, delivery, and who sees them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from immo_connect import hookimpl
from immo_connect.audit import AuditEvent
from immo_connect.clock import FrozenClock
from immo_connect.errors import ConfigurationError, PermissionDenied, ValidationError
from immo_connect.invoices.models import Invoice, InvoiceCounter
from immo_connect.platform import Platform
from immo_connect.wallet._views import local_day_start
from tests.support.factories import make_account
from tests.support.invoices import (
    MONTH,
    SELLER,
    amount_after,
    ledger_charges,
    make_month,
    pdf_text,
)


class Deliveries:
    """A delivery plugin that keeps what it is given (and can be told to fail once)."""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self.fail = False

    @hookimpl
    def immo_connect_deliver_invoice(self, invoice: Any) -> None:
        if self.fail:
            self.fail = False
            raise OSError("access point unreachable")
        self.received.append(invoice)


@pytest.fixture
def deliveries() -> Deliveries:
    return Deliveries()


@pytest.fixture
def billing(make_platform: Callable[..., Platform], database_url: str, deliveries: Deliveries) -> Platform:
    return make_platform(database_url, config_text=SELLER, extra_plugins={"deliveries": deliveries})


def test_a_month_is_invoiced_once_per_organisation_with_gapless_numbers(
    billing: Platform, clock: FrozenClock, deliveries: Deliveries,
) -> None:
    month = make_month(billing, clock)
    first, second, third, idle = month.organisations
    report = billing.invoices.run(MONTH)
    # Three invoices (in organisation order) and the credit note of the second one.
    assert report.issued == ("2026-000001", "2026-000002", "2026-000003", "2026-000004")
    assert (report.already, report.delivered) == (0, 4)
    invoices = {(int(i.organisation_id), str(i.kind)): i for i in Invoice.select()}
    assert set(invoices) == {(first.id, "invoice"), (second.id, "invoice"), (second.id, "credit_note"),
                             (third.id, "invoice")}
    assert not any(org == idle.id for org, _kind in invoices)  # no use, no invoice
    for organisation_id, cents in month.charged.items():
        assert invoices[(organisation_id, "invoice")].total_cents == cents
    assert invoices[(second.id, "credit_note")].total_cents == month.corrected[second.id]
    credit = billing.invoices.document(invoices[(second.id, "credit_note")])
    assert credit.credited_number == invoices[(second.id, "invoice")].number

    # Lines per tool and unit price; rates per tool (MyRent Pro at 6 %).
    lines = billing.invoices.document(invoices[(first.id, "invoice")]).totals.lines
    assert sorted((line.tool, line.unit_gross_cents, line.quantity, str(line.vat_rate)) for line in lines) == [
        ("antiblanchiment", 1600, 3, "21.0"), ("cadastrefinder", 150, 7, "21.0"),
        ("cadastrefinder", 199, 1, "21.0"), ("myrentpro", 250, 2, "6.0")]
    assert any(line.name == "CadastreFinder — Recherche cadastrale" for line in lines)

    # Running the month again, or once more later, issues nothing and delivers nothing again.
    again = billing.invoices.run(MONTH)
    assert (again.issued, again.already, again.delivered) == ((), 4, 0)
    assert Invoice.select().count() == 4 and InvoiceCounter.get_by_id(2026).last_number == 4
    assert len(deliveries.received) == 4
    assert AuditEvent.select().where(AuditEvent.action == "invoice.invoice_issued").count() == 3


def test_pdf_totals_equal_the_ledgers_charges_to_the_cent(
    billing: Platform, clock: FrozenClock, tmp_path: Path,
) -> None:
    month = make_month(billing, clock)
    billing.invoices.run(MONTH)
    start, end = local_day_start(dt.date(2026, 10, 1)), local_day_start(dt.date(2026, 11, 1))
    for invoice in Invoice.select().where(Invoice.kind == "invoice"):
        text = pdf_text(billing.invoices.pdf_bytes(invoice), tmp_path)
        ledger = ledger_charges(int(invoice.organisation_id), start, end)
        assert ledger == month.charged[int(invoice.organisation_id)]
        assert amount_after("Total TVA comprise", text) == ledger
        assert amount_after("Payé par le portefeuille prépayé", text) == ledger
        document = billing.invoices.document(invoice)
        assert amount_after("Total hors TVA", text) == document.totals.net_cents
        assert f"Facture {invoice.number}" in text
        net = sum(line.net_cents for line in document.totals.lines)
        assert net == document.totals.net_cents
        assert document.totals.net_cents + document.totals.vat_cents + document.totals.rounding_cents == ledger


def test_invoicing_is_off_until_configured_and_only_finished_months(
    make_platform: Callable[..., Platform], billing: Platform, clock: FrozenClock,
) -> None:
    clock.current = dt.datetime(2026, 10, 31, 22, 30)  # 23:30 in Brussels: October is not over
    with pytest.raises(ValidationError) as raised:
        billing.invoices.run(MONTH)
    assert raised.value.code == "month_not_over"
    with pytest.raises(ValidationError) as raised:
        billing.invoices.run("2026-13")
    assert raised.value.code == "month_invalid"
    plain = make_platform()
    with pytest.raises(ConfigurationError) as off:
        plain.invoices.run(MONTH)
    assert off.value.code == "invoices_off" and "enabled = true" in off.value.hint


def test_a_failed_delivery_is_offered_again_at_the_next_run(
    billing: Platform, clock: FrozenClock, deliveries: Deliveries,
) -> None:
    make_month(billing, clock)
    deliveries.fail = True
    first = billing.invoices.run(MONTH)
    assert first.delivered == 0 and not deliveries.received  # the plugin is out for this process
    later = billing.invoices.run(MONTH)
    assert later.issued == () and later.delivered == 0
    assert Invoice.select().where(Invoice.delivered_at.is_null()).count() == 4


def test_members_list_and_save_invoices_others_are_refused(
    billing: Platform, clock: FrozenClock,
) -> None:
    month = make_month(billing, clock)
    billing.invoices.run(MONTH)
    first = month.organisations[0]
    listed = billing.invoices.invoices_of(month.manager, int(first.id))
    assert [str(i.kind) for i in listed] == ["invoice"]
    pdf_path, xml_path = billing.invoices.save_files(month.manager, int(listed[0].id))
    assert pdf_path.read_bytes().startswith(b"%PDF") and b"<Invoice" in xml_path.read_bytes()
    assert pdf_path.parent == billing.wallet.export_folder(str(month.manager.username))
    outsider = make_account(first_name="Chris", last_name="Dubois")
    with pytest.raises(PermissionDenied):
        billing.invoices.invoices_of(outsider, int(first.id))
    with pytest.raises(PermissionDenied):
        billing.invoices.save_files(outsider, int(listed[0].id))
