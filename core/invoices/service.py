"""Invoices of tool use: issue a month's invoices, deliver them, and show them to members.

``run(month)`` is what ``immo-connect invoices run`` and the scheduler call: for every
organisation with something to invoice in the month, an invoice (and a credit note for what
was given back), each issued at most once however often the month is run, from however
many servers. Issued documents are then handed to the ``immo_connect_deliver_invoice``
hooks (a Peppol access point, a folder, …).

Members see their organisation's invoices with the wallet's *view* right; the files are
written to the person's export folder, as the wallet's CSV export is (the UI runs over SSH).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from immo_connect.config import InvoicesSection
from immo_connect.errors import ConfigurationError, NotFoundError
from immo_connect.files import write_file
from immo_connect.i18n import _, get_language
from immo_connect.invoices import issue as issuing
from immo_connect.invoices.amounts import GrossLine, compute
from immo_connect.invoices.document import InvoiceDocument, Party, loads
from immo_connect.invoices.gather import Gatherer, Period
from immo_connect.invoices.models import KIND_CREDIT_NOTE, KIND_INVOICE, Invoice
from immo_connect.organisations.models import Organisation, OrganisationAddress
from immo_connect.wallet._views import to_local

if TYPE_CHECKING:
    from immo_connect.platform import Platform
    from immo_connect.wallet._access import ActorRef


@dataclasses.dataclass(frozen=True)
class RunReport:
    month: str
    issued: tuple[str, ...]  # numbers issued by this run
    already: int  # documents of the month that an earlier run had issued
    delivered: int


def payment_note() -> str:
    return _("Paid from the organisation's prepaid wallet: nothing is left to pay.")


def buyers_of(organisation_ids: list[int]) -> dict[int, Party]:
    """Each organisation as the buyer, from its first address (or its address text); two queries."""
    organisations = {int(org.id): org for org in Organisation.select().where(Organisation.id.in_(organisation_ids))}
    addresses: dict[int, OrganisationAddress] = {}
    for address in (OrganisationAddress.select().where(OrganisationAddress.organisation.in_(organisation_ids))
                    .order_by(OrganisationAddress.position.desc(), OrganisationAddress.id.desc())):
        owner: Any = address
        addresses[int(owner.organisation_id)] = address  # the first one wins: it comes last
    return {organisation_id: _buyer(organisation, addresses.get(organisation_id))
            for organisation_id, organisation in organisations.items()}


def _buyer(organisation: Organisation, address: OrganisationAddress | None) -> Party:
    number = str(organisation.enterprise_number)
    vat = f"BE{number}" if organisation.vat_liable else ""
    if address is not None:
        street = " ".join(part for part in (str(address.street), str(address.number),
                                            f"bte {address.box}" if address.box else "") if part)
        return Party(str(organisation.name), street, str(address.postal_code), str(address.city),
                     str(address.country or "BE"), number, vat, str(organisation.email or ""))
    return Party(str(organisation.name), str(organisation.address or ""), "", "", "BE", number, vat,
                 str(organisation.email or ""))


class InvoiceService:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    @property
    def settings(self) -> InvoicesSection:
        return self.platform.settings.invoices

    def seller(self) -> Party:
        s = self.settings
        return Party(s.seller_name, s.street, s.postal_code, s.city, s.country, s.enterprise_number,
                     s.vat_identifier, s.email, s.iban, s.bic)

    def _require_enabled(self) -> None:
        if not self.settings.enabled:
            raise ConfigurationError(
                _("Invoicing is off: no invoice was issued."),
                hint=_("Describe the issuing company in the [invoices] table of plugins.toml and set "
                       "enabled = true (docs/invoices.md)."),
                code="invoices_off",
            )

    def gatherer(self) -> Gatherer:
        tools = self.platform.plugins.tools()
        names = {tool.name: _(tool.title) if tool.title else tool.name for tool in tools}
        actions = {(tool.name, price.amount_cents): _(price.title) for tool in tools for price in tool.prices}
        modes = {(tool.name, mode.id): _(mode.title) for tool in tools for mode in tool.modes}
        return Gatherer(self.settings, names, actions, modes)

    # -- issuing -----------------------------------------------------------------------------

    def run(self, month: str | None = None) -> RunReport:
        """Issue the month's invoices and credit notes (idempotent), then deliver them."""
        self._require_enabled()
        now = self.platform.clock.now()
        period = Period.of(month, now) if month else Period.previous(now)
        gatherer = self.gatherer()
        invoiced, credited = gatherer.invoice_lines(period), gatherer.credit_lines(period)
        issued: list[str] = []
        already = 0
        organisation_ids = sorted(set(invoiced) | set(credited))
        buyers = buyers_of(organisation_ids)
        seller = self.seller()
        # What earlier runs issued is skipped without taking the counter's lock.
        done = {(int(row.organisation_id), str(row.kind)): row for row in
                Invoice.select().where(Invoice.month == period.month)}
        for organisation_id in organisation_ids:
            invoice = done.get((organisation_id, KIND_INVOICE))
            for kind, lines in ((KIND_INVOICE, invoiced), (KIND_CREDIT_NOTE, credited)):
                if not lines.get(organisation_id):
                    continue
                if (organisation_id, kind) in done:
                    already += 1
                    continue
                made, new = self._issue(organisation_id, seller, buyers[organisation_id], period, kind,
                                        lines[organisation_id], now, invoice)
                if kind == KIND_INVOICE:
                    invoice = made
                if new:
                    issued.append(str(made.number))
                else:
                    already += 1
        return RunReport(period.month, tuple(issued), already, self.deliver(period.month))

    def _issue(self, organisation_id: int, seller: Party, buyer: Party, period: Period, kind: str,
               lines: list[GrossLine], now: dt.datetime, invoice: Invoice | None) -> tuple[Invoice, bool]:
        totals = compute(lines)
        today = to_local(now).date()

        def make(number: str) -> InvoiceDocument:
            return InvoiceDocument(
                kind=kind, number=number, issue_date=today, period_start=period.first_day,
                period_end=period.last_day, seller=seller, buyer=buyer, totals=totals,
                vat_on=self.settings.vat_on,
                credited_number=str(invoice.number) if invoice is not None else "",
                credited_date=invoice.issue_date if invoice is not None else None,
            )

        return issuing.issue(organisation_id, period.month, kind, issue_date=today,
                             language=get_language(), now=now, source=self.platform.source, make=make)

    # -- delivery ----------------------------------------------------------------------------

    def deliver(self, month: str) -> int:
        """Hand the month's undelivered documents to the delivery hooks and mail them to the
        organisation's accountant when it has one; how many went out.

        A document with neither (no delivery plugin, no accountant's address) is not
        rendered nor marked: it stays undelivered until there is somewhere to send it and the
        month is run again.
        """
        plugins = self.platform.plugins.delivers_invoices()
        rows: Any = (Organisation.select(Organisation.id, Organisation.accountant_email)
                     .where(Organisation.accountant_email != "").tuples())
        accountants: dict[int, str] = {int(org): str(address) for org, address in rows}
        count = 0
        for invoice in issuing.undelivered(month):
            accountant = str(accountants.get(int(invoice.organisation_id), ""))
            if not (plugins or accountant) or not issuing.mark_delivered(int(invoice.id), self.platform.clock.now()):
                continue  # nowhere to send it, or another server is delivering it
            from immo_connect.invoices import delivery

            try:
                issued = delivery.issued(invoice, self.pdf_bytes(invoice), self.xml_bytes(invoice))
                if accountant:  # the outbox's key makes this once per document
                    delivery.mail_accountant(issued, accountant, self.settings.seller_name)
                delivered = not plugins or self.platform.plugins.deliver_invoice(issued)
            except BaseException:
                issuing.unmark_delivered(int(invoice.id))  # offered again at the next run
                raise
            if delivered:
                count += 1
            else:
                issuing.unmark_delivered(int(invoice.id))
        return count

    # -- documents ---------------------------------------------------------------------------

    @staticmethod
    def document(invoice: Invoice) -> InvoiceDocument:
        return loads(str(invoice.document))

    def pdf_bytes(self, invoice: Invoice) -> bytes:
        from immo_connect.invoices import printed  # fpdf2 only when a PDF is made

        return printed.render(self.document(invoice), payment_note=payment_note())

    def xml_bytes(self, invoice: Invoice) -> bytes:
        from immo_connect.invoices import ubl

        return ubl.render(self.document(invoice), payment_note=payment_note())

    # -- what members see --------------------------------------------------------------------

    def invoices_of(self, actor: ActorRef, organisation_id: int) -> list[Invoice]:
        """The organisation's invoices and credit notes, newest first (wallet *view* right)."""
        from immo_connect.invoices._access import require_viewer

        require_viewer(self.platform, actor, organisation_id, action="invoice.list")
        return list(Invoice.select().where(Invoice.organisation == organisation_id)
                    .order_by(Invoice.year.desc(), Invoice.sequence.desc()))

    def save_files(self, actor: ActorRef, invoice_id: int) -> tuple[Path, Path]:
        """Write the PDF and the UBL XML to the actor's export folder; their paths."""
        from immo_connect.invoices._access import require_viewer

        invoice: Invoice | None = Invoice.get_or_none(Invoice.id == invoice_id)
        if invoice is None:
            raise NotFoundError(_("This invoice does not exist."), code="invoice_not_found")
        member = require_viewer(self.platform, actor, int(invoice.organisation_id), action="invoice.download")
        folder = self.platform.wallet.export_folder(member.username)
        stem = f"{'credit-note' if invoice.kind == KIND_CREDIT_NOTE else 'invoice'}-{invoice.number}"
        pdf_path, xml_path = folder / f"{stem}.pdf", folder / f"{stem}.xml"
        pdf, xml = self.pdf_bytes(invoice), self.xml_bytes(invoice)
        write_file(pdf_path, lambda out: out.write(pdf))
        write_file(xml_path, lambda out: out.write(xml))
        return pdf_path, xml_path
