"""The PDF of an invoice or credit note (fpdf2), in the current language.

It carries what Belgian law asks of an invoice: number and date, the seller's and the
buyer's names, addresses, enterprise and VAT numbers, the period, each line with quantity,
unit price before VAT, VAT rate and net amount, the VAT per rate and the totals. The amounts
are the document's own (see ``amounts.py``): the PDF and the UBL XML never disagree.
"""

from __future__ import annotations

from decimal import Decimal

from fpdf.fonts import FontFace

from immo_connect import formatting
from immo_connect.formats import enterprise
from immo_connect.i18n import _
from immo_connect.invoices.document import InvoiceDocument, Party
from immo_connect.invoices.models import KIND_CREDIT_NOTE
from immo_connect.pdf import DocumentPdf
from immo_connect.wallet.texts import euros


def _price(value: Decimal) -> str:
    """A unit price with its decimals (at least two), decimal comma."""
    text = f"{value:f}"
    whole, _dot, part = text.partition(".")
    part = part.rstrip("0").ljust(2, "0")
    return f"{int(whole):,}".replace(",", "\u202f") + "," + part


def _rate(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",") + " %"


def _party_lines(party: Party) -> list[str]:
    lines = [party.name, party.street, f"{party.postal_code} {party.city}".strip(), party.country,
             _("Enterprise number: {number}").format(number=enterprise.format_number(party.enterprise_number))]
    lines.append(_("VAT number: {number}").format(number=party.vat_number) if party.vat_number
                 else _("Not liable for VAT"))
    return [line for line in lines if line]


def render(document: InvoiceDocument, *, payment_note: str) -> bytes:
    """The PDF bytes of ``document``."""
    credit = document.kind == KIND_CREDIT_NOTE
    title = _("Credit note") if credit else _("Invoice")
    totals = document.totals
    pdf = DocumentPdf()
    t = pdf.text_of
    pdf.set_title(t(f"{title} {document.number}"))
    pdf.set_author(t(document.seller.name))
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(pdf.family_name, "B", 16)
    pdf.cell(width, 10, t(f"{title} {document.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family_name, "", 10)
    facts = [
        _("Date: {date}").format(date=document.issue_date.strftime("%d/%m/%Y")),
        _("Period: {start} – {end}").format(start=document.period_start.strftime("%d/%m/%Y"),
                                           end=document.period_end.strftime("%d/%m/%Y")),
    ]
    if document.credited_number:
        facts.append(_("Credits invoice {number}").format(number=document.credited_number))
    for fact in facts:
        pdf.cell(width, 5, t(fact), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    top = pdf.get_y()
    for index, (heading, party) in enumerate(((_("Seller"), document.seller), (_("Customer"), document.buyer))):
        pdf.set_xy(pdf.l_margin + index * width / 2, top)
        pdf.set_font(pdf.family_name, "B", 10)
        pdf.cell(width / 2, 6, t(heading), new_x="LEFT", new_y="NEXT")
        pdf.set_font(pdf.family_name, "", 10)
        for line in _party_lines(party):
            pdf.multi_cell(width / 2 - 4, 5, t(line), new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, max(pdf.get_y(), top + 40))
    pdf.ln(4)

    pdf.set_font(pdf.family_name, "", 9)
    headings = (_("Description"), _("Quantity"), _("Unit price excl. VAT (EUR)"), _("VAT"),
                _("Amount excl. VAT (EUR)"))
    with pdf.table(col_widths=(70, 18, 30, 14, 30), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                   headings_style=FontFace(emphasis="BOLD"), line_height=5) as table:
        row = table.row()
        for heading in headings:
            row.cell(t(heading))
        for item in totals.lines:
            row = table.row()
            for value in (item.name, str(item.quantity), _price(item.unit_price), _rate(item.vat_rate),
                          euros(item.net_cents)):
                row.cell(t(value))
    pdf.ln(4)

    sums = [(_("Total excl. VAT"), totals.net_cents)]
    sums += [(_("VAT {rate} on {base}").format(rate=_rate(s.rate), base=formatting.money(s.taxable_cents)), s.vat_cents)
             for s in totals.subtotals]
    sums.append((_("Total VAT"), totals.vat_cents))
    if totals.rounding_cents:
        sums.append((_("Rounding"), totals.rounding_cents))
    sums.append((_("Total incl. VAT"), totals.tax_inclusive_cents + totals.rounding_cents))
    sums.append((_("Paid from the prepaid wallet"), totals.paid_cents))
    sums.append((_("Amount due"), totals.payable_cents))
    pdf.set_font(pdf.family_name, "", 10)
    with pdf.table(col_widths=(120, 42), text_align=("RIGHT", "RIGHT"), first_row_as_headings=False,
                   line_height=6) as table:
        for label, cents in sums:
            row = table.row()
            row.cell(t(label))
            row.cell(t(formatting.money(cents)))
    pdf.ln(6)
    pdf.set_font(pdf.family_name, "", 9)
    pdf.multi_cell(width, 5, t(payment_note), new_x="LMARGIN", new_y="NEXT")
    if document.seller.iban:
        pdf.multi_cell(width, 5, t(_("Bank account of {name}: {iban}").format(
            name=document.seller.name, iban=document.seller.iban)), new_x="LMARGIN", new_y="NEXT")
    if document.seller.email:
        pdf.multi_cell(width, 5, t(_("Questions: {email}").format(email=document.seller.email)),
                       new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
