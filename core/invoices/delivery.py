"""Handing an issued document to the ``immo_connect_deliver_invoice`` plugins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from immo_connect.contracts.invoices import IssuedInvoice
from immo_connect.invoices.models import Invoice
from immo_connect.organisations.models import Organisation

if TYPE_CHECKING:
    from immo_connect.platform import Platform


def issued(invoice: Invoice, pdf: bytes, xml: bytes) -> IssuedInvoice:
    organisation: Organisation = Organisation.get_by_id(invoice.organisation_id)
    return IssuedInvoice(
        number=str(invoice.number), kind=str(invoice.kind), month=str(invoice.month),
        issue_date=invoice.issue_date, buyer_name=str(organisation.name),
        buyer_enterprise_number=str(organisation.enterprise_number), total_cents=int(invoice.total_cents),
        pdf=pdf, xml=xml,
    )


def deliver(platform: Platform, invoice: Invoice, pdf: bytes, xml: bytes) -> bool:
    """Tell every delivery plugin; False when one of them failed (the run offers it again)."""
    return platform.plugins.deliver_invoice(issued(invoice, pdf, xml))
