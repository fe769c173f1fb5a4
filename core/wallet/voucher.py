"""The "Bon de transaction": a one-page PDF receipt for one wallet transaction (fpdf2).

It names the platform and the organisation (name, enterprise number, address, the wallet's
structured communication), then the transaction (number, date in Belgian time, type, tool,
description as the reader may see it, what moved, balances before and after, status and
why, « Par » with the person's name, the card brand of an online top-up) and, for a tool's
charge, the price before VAT, the VAT rate and amount and the total. It is written in the
reader's language and says plainly that it is a receipt, not an invoice: invoices are drawn
up by the platform's accounting and sent periodically (a top-up is a prepayment).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from fpdf.fonts import FontFace

from immo_connect import i18n
from immo_connect.config import PlatformSection
from immo_connect.formats import enterprise, ogm
from immo_connect.i18n import _
from immo_connect.organisations.models import Organisation
from immo_connect.pdf import DocumentPdf
from immo_connect.wallet._views import to_local
from immo_connect.wallet.models import KIND_TOOL, Wallet, WalletTransaction
from immo_connect.wallet.texts import euros, kind_label, reason_label, status_label


@dataclasses.dataclass(frozen=True)
class VoucherData:
    transaction: WalletTransaction
    wallet: Wallet
    organisation: Organisation
    counterpart: str  # the other organisation of a transfer, else ""
    tool_title: str
    description: str = ""  # as the reader may see it (confidential details, ``shown.py``)
    by: str = ""  # « Par »: a person's name, « virement bancaire », …
    card: str = ""  # the card brand (or Bancontact) of an online top-up
    vat: tuple[int, Decimal, int, int] | None = None  # a tool charge: net, rate %, VAT, total


def _rate(rate: Decimal) -> str:
    return f"{rate.normalize():f}".replace(".", ",") + " %"


def render(data: VoucherData, platform: PlatformSection, language: str | None = None) -> bytes:
    """The PDF bytes of the voucher, in ``language`` (the reader's; default: the current one)."""
    previous = i18n.get_language()
    if language:
        i18n.set_language(language)
    try:
        return _render(data, platform)
    finally:
        i18n.set_language(previous)


def _render(data: VoucherData, platform: PlatformSection) -> bytes:
    tx = data.transaction
    pdf = DocumentPdf()
    t = pdf.text_of
    pdf.set_title(t(_("Transaction voucher {number}").format(number=tx.number or "-")))
    pdf.set_author(t(platform.legal_name))
    pdf.set_creation_date(tx.created_at)
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(pdf.family_name, "B", 16)
    pdf.cell(width, 10, t(_("Transaction voucher")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family_name, "", 9)
    pdf.multi_cell(width, 5, t(_("Receipt of a wallet transaction. This document is not an invoice.")),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    org = data.organisation
    parties = [
        (_("Issued by"), [platform.legal_name,
                          _("Enterprise number: {number}").format(number=platform.enterprise_number),
                          platform.address, platform.website]),
        (_("Organisation"), [str(org.name),
                             _("Enterprise number: {number}").format(
                                 number=enterprise.format_number(str(org.enterprise_number))),
                             str(org.address or ""),
                             _("Structured communication: {communication}").format(
                                 communication=ogm.format_ogm(str(data.wallet.structured_communication or "")))]),
    ]
    top = pdf.get_y()
    for index, (title, lines) in enumerate(parties):
        pdf.set_xy(pdf.l_margin + index * width / 2, top)
        pdf.set_font(pdf.family_name, "B", 10)
        pdf.cell(width / 2, 6, t(title), new_x="LEFT", new_y="NEXT")
        pdf.set_font(pdf.family_name, "", 10)
        for line in lines:
            if line:
                pdf.multi_cell(width / 2 - 4, 5, t(line), new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, max(pdf.get_y(), top + 32))
    pdf.ln(4)

    status = status_label(str(tx.status))
    if tx.failure_reason:
        status = f"{status} — {reason_label(str(tx.failure_reason))}"
    kind = kind_label(str(tx.kind))
    if tx.kind == KIND_TOOL:
        kind = f"{kind}: {data.tool_title}"
    succeeded = tx.status == "succeeded"
    rows = [
        (_("Transaction number"), str(tx.number) if tx.number is not None else _("(pending)")),
        (_("Date"), to_local(tx.created_at).strftime("%d/%m/%Y %H:%M:%S")),
        (_("Type"), kind),
        (_("Description"), data.description or str(tx.description)),
        # What moved: nothing for a failed or pending line, whatever was asked.
        (_("Amount moved"), f"{euros(int(tx.amount) if succeeded else 0, sign=True)} EUR"),
    ]
    if not succeeded:
        rows.append((_("Amount asked"), f"{euros(abs(int(tx.amount)))} EUR"))
    if data.vat is not None:
        net, rate, vat, total = data.vat
        rows += [
            (_("Price before VAT"), f"{euros(net)} EUR"),
            (_("VAT rate"), _rate(rate)),
            (_("VAT"), f"{euros(vat)} EUR"),
            (_("Total (VAT included)"), f"{euros(total)} EUR"),
        ]
    rows += [
        (_("Balance before"), f"{euros(tx.balance_before)} EUR"),
        (_("Balance after"), f"{euros(tx.balance_after)} EUR"),
        (_("Status"), status),
    ]
    if data.card:
        rows.append((_("Card"), data.card))
    if data.counterpart:
        rows.append((_("Other wallet"), data.counterpart))
    if data.by:
        rows.append((_("By"), data.by))
    if tx.reference:
        rows.append((_("Reference"), str(tx.reference)))
    pdf.set_font(pdf.family_name, "", 10)
    with pdf.table(col_widths=(35, 65), first_row_as_headings=False, text_align=("LEFT", "LEFT"),
                   headings_style=FontFace(emphasis="BOLD"), line_height=6) as table:
        for label, value in rows:
            row = table.row()
            row.cell(t(label))
            row.cell(t(value))
    pdf.ln(6)
    pdf.set_font(pdf.family_name, "", 9)
    pdf.multi_cell(width, 5, t(_(
        "This voucher is a receipt for your records; it is not an invoice. Invoices are drawn "
        "up by our accounting department and sent periodically.")), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 5, t(_("Questions: {email}").format(email=platform.support_email)),
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
