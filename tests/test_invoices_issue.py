"""Monthly invoices on SQLite and PostgreSQL: what is invoiced, numbering, idempotency, credit
notes, the PDF's totals against the ledger, delivery, and who sees them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest

from immo_connect import hookimpl
from immo_connect.audit import AuditEvent
from immo_connect.clock import FrozenClock
from immo_connect.errors import ConfigurationError, PermissionDenied, ValidationError
from immo_connect.invoices.models import Invoice, InvoiceCounter
from immo_connect.organisations.data import LEGAL_FORMS, AddressData, OrganisationData
from immo_connect.organisations.models import Organisation
from immo_connect.platform import Platform
from immo_connect.wallet._views import local_day_start
from tests.support.factories import add_member, make_account
from tests.support.invoices import (
    MONTH,
    SELLER,
    amount_after,
    ledger_charges,
    make_month,
    pdf_text,
)
from tests.support.smtp import SmtpServer


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

    # Lines per tool, usage mode and unit price, in that order; rates per tool (MyRent Pro at 6 %).
    lines = billing.invoices.document(invoices[(first.id, "invoice")]).totals.lines
    assert [(line.tool, line.usage_mode, line.unit_gross_cents, line.quantity, str(line.vat_rate))
            for line in lines] == [
        ("antiblanchiment", "agent", 1600, 3, "21.0"),
        ("cadastrefinder", None, 150, 1, "21.0"),  # charged without a usage mode
        ("cadastrefinder", "agent", 150, 5, "21.0"), ("cadastrefinder", "agent", 199, 1, "21.0"),
        ("cadastrefinder", "notary", 150, 2, "21.0"),
        ("myrentpro", "manager", 250, 2, "6.0")]
    assert [line.name for line in lines if line.tool == "cadastrefinder"] == [
        "CadastreFinder — Recherche cadastrale (mode inconnu)",
        "CadastreFinder — Recherche cadastrale (En tant qu'agent immobilier)",
        "CadastreFinder (En tant qu'agent immobilier)",  # an older price: no priced action of that amount
        "CadastreFinder — Recherche cadastrale (En tant que notaire)"]
    # The unit price before VAT times the quantity is the line's net amount (within half a cent).
    for line in lines:
        assert abs(line.unit_price * line.quantity * 100 - line.net_cents) <= Decimal("0.5")

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
    invoices = list(Invoice.select().where(Invoice.kind == "invoice"))
    assert len(invoices) == 3  # one per organisation that used a tool in October
    for invoice in invoices:
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


def test_the_accountant_receives_each_document_once_with_pdf_and_xml_attached(
    make_platform: Callable[..., Platform], clock: FrozenClock, smtp_server: SmtpServer, tmp_path: Path,
) -> None:
    platform = make_platform(config_text=SELLER + smtp_server.config_text())
    month = make_month(platform, clock)
    second = month.organisations[1]
    Organisation.update(accountant_email="compta@fiduciaire.be").where(Organisation.id == second.id).execute()
    report = platform.invoices.run(MONTH)
    assert report.delivered == 2  # no delivery plugin: only the second organisation's two documents
    assert platform.invoices.run(MONTH).delivered == 0
    assert platform.outbox.deliver_due().sent == 2
    received = [m for m in smtp_server.messages if "compta@fiduciaire.be" in m.recipients]
    assert len(received) == 2
    by_subject = {m.message["Subject"]: m.message for m in received}
    invoice = by_subject[f"Immo-Connect : Facture 2026-000002 de {second.name} (2026-10)"]
    files = {part.get_filename(): part.get_content() for part in invoice.iter_attachments()}
    assert set(files) == {"invoice-2026-000002.pdf", "invoice-2026-000002.xml"}
    assert files["invoice-2026-000002.pdf"].startswith(b"%PDF")
    assert amount_after("Total TVA comprise", pdf_text(files["invoice-2026-000002.pdf"], tmp_path)) == 1_600
    assert b"<cbc:ID>2026-000002</cbc:ID>" in files["invoice-2026-000002.xml"]
    credit = next(m for subject, m in by_subject.items() if "2026-000003" in str(make_header(decode_header(subject))))
    assert "Note de crédit 2026-000003" in str(make_header(decode_header(credit["Subject"])))
    assert {part.get_filename() for part in credit.iter_attachments()} == {
        "credit-note-2026-000003.pdf", "credit-note-2026-000003.xml"}


def test_the_accountants_address_is_checked_like_the_other_addresses() -> None:
    data = OrganisationData(name="Agence", legal_form=next(iter(LEGAL_FORMS)), email="info@agence.be", phone="+32 2 123 45 67",
                            addresses=(AddressData(street="Rue Haute", number="12", postal_code="1000",
                                                   city="Bruxelles"),), accountant_email=" Compta@Fiduciaire.BE ")
    assert data.cleaned().accountant_email == "compta@fiduciaire.be"
    assert dataclasses.replace(data, accountant_email="").cleaned().accountant_email == ""
    with pytest.raises(ValidationError) as refused:
        dataclasses.replace(data, accountant_email="compta at fiduciaire").cleaned()
    assert refused.value.field == "accountant_email"


@pytest.mark.parametrize(("right", "allowed"), [(None, False), ("view", True), ("top_up", True), ("manage", True)])
def test_employees_see_invoices_with_the_wallets_view_right(
    billing: Platform, clock: FrozenClock, right: str | None, allowed: bool,
) -> None:
    month = make_month(billing, clock)
    billing.invoices.run(MONTH)
    first = month.organisations[0]
    employee = make_account(first_name="Eva", last_name="Wouters")
    add_member(first, employee, wallet_right=right)
    invoice_id = int(Invoice.get((Invoice.organisation == first.id) & (Invoice.kind == "invoice")).id)
    if allowed:
        assert [int(i.id) for i in billing.invoices.invoices_of(employee, int(first.id))] == [invoice_id]
        pdf_path, _xml_path = billing.invoices.save_files(employee, invoice_id)
        assert pdf_path.parent == billing.wallet.export_folder(str(employee.username))
        return
    for attempt in (lambda: billing.invoices.invoices_of(employee, int(first.id)),
                    lambda: billing.invoices.save_files(employee, invoice_id)):
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert refused.value.code == "wallet_right_missing"
    refusals = AuditEvent.select().where((AuditEvent.outcome == "refused") & (AuditEvent.actor_id == employee.id))
    assert sorted(str(e.action) for e in refusals) == ["invoice.download", "invoice.list"]
