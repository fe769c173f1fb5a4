"""UBL 2.1 XML under Peppol BIS Billing 3.0: the structured invoice a Belgian business books.

Both parties are identified by their enterprise number under the ICD scheme ``0208``
(electronic address, legal registration). The document is written as text in one pass
(an invoice may have thousands of lines); every value is escaped, and the characters that
XML 1.0 cannot carry (control characters) are dropped.
"""

from __future__ import annotations

import re
from decimal import Decimal

from immo_connect.invoices.amounts import Line, euros
from immo_connect.invoices.document import InvoiceDocument, Party
from immo_connect.invoices.models import KIND_CREDIT_NOTE

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
SCHEME_BE_ENTERPRISE = "0208"
_NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def text(value: object) -> str:
    """``value`` as XML character data: escaped, without characters XML cannot hold."""
    cleaned = _NOT_XML.sub("", str(value))
    return cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def amount(cents: int) -> str:
    return f'currencyID="EUR">{euros(cents)}'


def percent(rate: Decimal) -> str:
    return f"{rate:.2f}"


def _party(party: Party) -> list[str]:
    out = [
        "<cac:Party>",
        f'<cbc:EndpointID schemeID="{SCHEME_BE_ENTERPRISE}">{text(party.enterprise_number)}</cbc:EndpointID>',
        f"<cac:PartyName><cbc:Name>{text(party.name)}</cbc:Name></cac:PartyName>",
        "<cac:PostalAddress>",
    ]
    if party.street:
        out.append(f"<cbc:StreetName>{text(party.street)}</cbc:StreetName>")
    if party.city:
        out.append(f"<cbc:CityName>{text(party.city)}</cbc:CityName>")
    if party.postal_code:
        out.append(f"<cbc:PostalZone>{text(party.postal_code)}</cbc:PostalZone>")
    out.append(f"<cac:Country><cbc:IdentificationCode>{text(party.country)}</cbc:IdentificationCode></cac:Country>")
    out.append("</cac:PostalAddress>")
    if party.vat_number:
        out.append(f"<cac:PartyTaxScheme><cbc:CompanyID>{text(party.vat_number)}</cbc:CompanyID>"
                   "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>")
    out.append(f"<cac:PartyLegalEntity><cbc:RegistrationName>{text(party.name)}</cbc:RegistrationName>"
               f'<cbc:CompanyID schemeID="{SCHEME_BE_ENTERPRISE}">{text(party.enterprise_number)}</cbc:CompanyID>'
               "</cac:PartyLegalEntity>")
    if party.email:
        out.append(f"<cac:Contact><cbc:ElectronicMail>{text(party.email)}</cbc:ElectronicMail></cac:Contact>")
    out.append("</cac:Party>")
    return out


def _tax_category(tag: str, rate: Decimal, category: str) -> str:
    return (f"<cac:{tag}><cbc:ID>{category}</cbc:ID><cbc:Percent>{percent(rate)}</cbc:Percent>"
            f"<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:{tag}>")


def _item_identity(line: Line) -> str:
    """The seller's item identifier (BT-155): the tool (or the kind of line), and the usage mode."""
    item = f"{line.tool}:{line.usage_mode}" if line.usage_mode else line.tool
    return f"<cac:SellersItemIdentification><cbc:ID>{text(item)}</cbc:ID></cac:SellersItemIdentification>"


def _item_mode(line: Line) -> str:
    """The usage mode as an item attribute (BT-160/BT-161), for an accounting package to book by."""
    if not line.usage_mode:
        return ""
    return (f"<cac:AdditionalItemProperty><cbc:Name>usage_mode</cbc:Name><cbc:Value>{text(line.usage_mode)}"
            "</cbc:Value></cac:AdditionalItemProperty>")


def render(document: InvoiceDocument, *, payment_note: str) -> bytes:
    """The UBL XML of ``document`` (UTF-8 bytes). ``payment_note`` says how it was paid."""
    credit = document.kind == KIND_CREDIT_NOTE
    root, type_tag, type_code = ("CreditNote", "CreditNoteTypeCode", "381") if credit else ("Invoice", "InvoiceTypeCode", "380")
    line_tag, quantity_tag = ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    totals = document.totals
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2" '
        f'xmlns:cac="{_NS_CAC}" xmlns:cbc="{_NS_CBC}">',
        f"<cbc:CustomizationID>{CUSTOMIZATION_ID}</cbc:CustomizationID>",
        f"<cbc:ProfileID>{PROFILE_ID}</cbc:ProfileID>",
        f"<cbc:ID>{text(document.number)}</cbc:ID>",
        f"<cbc:IssueDate>{document.issue_date.isoformat()}</cbc:IssueDate>",
        f"<cbc:{type_tag}>{type_code}</cbc:{type_tag}>",
        "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>",
        f"<cbc:BuyerReference>{text(document.buyer.enterprise_number)}</cbc:BuyerReference>",
        f"<cac:InvoicePeriod><cbc:StartDate>{document.period_start.isoformat()}</cbc:StartDate>"
        f"<cbc:EndDate>{document.period_end.isoformat()}</cbc:EndDate></cac:InvoicePeriod>",
    ]
    if document.credited_number and document.credited_date:
        out.append(f"<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>{text(document.credited_number)}"
                   f"</cbc:ID><cbc:IssueDate>{document.credited_date.isoformat()}</cbc:IssueDate>"
                   "</cac:InvoiceDocumentReference></cac:BillingReference>")
    out.append("<cac:AccountingSupplierParty>")
    out.extend(_party(document.seller))
    out.append("</cac:AccountingSupplierParty><cac:AccountingCustomerParty>")
    out.extend(_party(document.buyer))
    out.append("</cac:AccountingCustomerParty>")
    if document.seller.iban:
        bic = (f"<cac:FinancialInstitutionBranch><cbc:ID>{text(document.seller.bic)}</cbc:ID>"
               "</cac:FinancialInstitutionBranch>" if document.seller.bic else "")
        out.append(f"<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
                   f"<cbc:PaymentID>{text(document.number)}</cbc:PaymentID><cac:PayeeFinancialAccount>"
                   f"<cbc:ID>{text(document.seller.iban)}</cbc:ID>{bic}</cac:PayeeFinancialAccount></cac:PaymentMeans>")
    out.append(f"<cac:PaymentTerms><cbc:Note>{text(payment_note)}</cbc:Note></cac:PaymentTerms>")
    out.append(f"<cac:TaxTotal><cbc:TaxAmount {amount(totals.vat_cents)}</cbc:TaxAmount>")
    for subtotal in totals.subtotals:
        out.append(f"<cac:TaxSubtotal><cbc:TaxableAmount {amount(subtotal.taxable_cents)}</cbc:TaxableAmount>"
                   f"<cbc:TaxAmount {amount(subtotal.vat_cents)}</cbc:TaxAmount>"
                   + _tax_category("TaxCategory", subtotal.rate, subtotal.category) + "</cac:TaxSubtotal>")
    out.append("</cac:TaxTotal><cac:LegalMonetaryTotal>")
    out.append(f"<cbc:LineExtensionAmount {amount(totals.net_cents)}</cbc:LineExtensionAmount>")
    out.append(f"<cbc:TaxExclusiveAmount {amount(totals.net_cents)}</cbc:TaxExclusiveAmount>")
    out.append(f"<cbc:TaxInclusiveAmount {amount(totals.tax_inclusive_cents)}</cbc:TaxInclusiveAmount>")
    out.append(f"<cbc:PrepaidAmount {amount(totals.paid_cents)}</cbc:PrepaidAmount>")
    if totals.rounding_cents:
        out.append(f"<cbc:PayableRoundingAmount {amount(totals.rounding_cents)}</cbc:PayableRoundingAmount>")
    out.append(f"<cbc:PayableAmount {amount(totals.payable_cents)}</cbc:PayableAmount></cac:LegalMonetaryTotal>")
    for number, line in enumerate(totals.lines, start=1):
        out.append(
            f"<cac:{line_tag}><cbc:ID>{number}</cbc:ID>"
            f'<cbc:{quantity_tag} unitCode="C62">{line.quantity}</cbc:{quantity_tag}>'
            f"<cbc:LineExtensionAmount {amount(line.net_cents)}</cbc:LineExtensionAmount>"
            f"<cac:Item><cbc:Name>{text(line.name)}</cbc:Name>{_item_identity(line)}"
            + _tax_category("ClassifiedTaxCategory", line.vat_rate, line.category)
            + _item_mode(line)
            + f'</cac:Item><cac:Price><cbc:PriceAmount currencyID="EUR">{line.unit_price}</cbc:PriceAmount>'
            f"</cac:Price></cac:{line_tag}>"
        )
    out.append(f"</{root}>")
    return "\n".join(out).encode("utf-8")
