"""Handing an issued document to the ``immo_connect_deliver_invoice`` plugins and to the
organisation's accountant (a mail with the PDF and the UBL XML attached, through the outbox)."""

from __future__ import annotations

from immo_connect import formatting
from immo_connect.contracts.invoices import IssuedInvoice
from immo_connect.i18n import _
from immo_connect.invoices.models import KIND_CREDIT_NOTE, Invoice
from immo_connect.mail import enqueue
from immo_connect.organisations.models import Organisation
from immo_connect.storage import transaction


def issued(invoice: Invoice, pdf: bytes, xml: bytes) -> IssuedInvoice:
    organisation: Organisation = Organisation.get_by_id(invoice.organisation_id)
    return IssuedInvoice(
        number=str(invoice.number), kind=str(invoice.kind), month=str(invoice.month),
        issue_date=invoice.issue_date, buyer_name=str(organisation.name),
        buyer_enterprise_number=str(organisation.enterprise_number), total_cents=int(invoice.total_cents),
        pdf=pdf, xml=xml,
    )


def mail_accountant(invoice: IssuedInvoice, address: str, seller: str) -> None:
    """Put the mail with both files in the outbox, once per document (its key is the number)."""
    credit = invoice.kind == KIND_CREDIT_NOTE
    context = {
        "document": _("Credit note") if credit else _("Invoice"),
        "document_lower": _("the credit note") if credit else _("the invoice"),
        "number": invoice.number, "organisation": invoice.buyer_name, "month": invoice.month,
        "total": formatting.money(invoice.total_cents), "seller": seller,
    }
    with transaction():
        enqueue(to=address, template="invoice_issued", context=context, key=f"invoice:{invoice.number}:accountant",
                attachments=[(f"{invoice.file_stem}.pdf", "application/pdf", invoice.pdf),
                             (f"{invoice.file_stem}.xml", "application/xml", invoice.xml)])
