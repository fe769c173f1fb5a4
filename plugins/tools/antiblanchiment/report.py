"""The PDF report of one due-diligence check (fpdf2), to keep in the customer's file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from immo_connect import formatting
from immo_connect.files import write_file
from immo_connect.i18n import _
from immo_connect.pdf import DocumentPdf
from immo_connect.plugins.tools.antiblanchiment.checks import (
    OUTCOME_LABELS,
    QUESTIONS,
    SUBJECT_LABELS,
    TRANSACTION_LABELS,
    VIGILANCE_LABELS,
    AmlCheck,
    answers_of,
)

if TYPE_CHECKING:
    from immo_connect.platform import Platform
    from immo_connect.tools import ToolContext


class _Report(DocumentPdf):
    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(self.family_name, "B", 11)
        self.cell(self.epw, 7, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family_name, "", 10)

    def row(self, label: str, value: str) -> None:
        self.set_font(self.family_name, "B", 10)
        self.cell(55, 6, self.text_of(label))
        self.set_font(self.family_name, "", 10)
        self.multi_cell(self.epw - 55, 6, self.text_of(value or "—"), new_x="LMARGIN", new_y="NEXT")


def render(check: AmlCheck, *, organisation_name: str, enterprise_number: str, mode_title: str) -> bytes:
    """The PDF bytes of the report of ``check``."""
    pdf = _Report()
    pdf.set_title(pdf.text_of(_("Due-diligence report {number}").format(number=check.id)))
    pdf.set_creation_date(check.created_at.replace(tzinfo=dt.UTC))
    pdf.add_page()
    pdf.set_font(pdf.family_name, "B", 16)
    pdf.cell(pdf.epw, 10, pdf.text_of(_("Customer due-diligence report")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family_name, "", 9)
    pdf.multi_cell(pdf.epw, 5, pdf.text_of(_(
        "Anti-money-laundering check (law of 18 September 2017). Keep this report for ten years "
        "after the end of the business relationship."
    )), new_x="LMARGIN", new_y="NEXT")

    pdf.heading(_("Check"))
    pdf.row(_("Number"), str(check.id))
    pdf.row(_("Date (UTC)"), formatting.date_time(check.created_at))
    pdf.row(_("Organisation"), f"{organisation_name} ({enterprise_number})" if enterprise_number else organisation_name)
    pdf.row(_("Performed by"), check.performed_by)
    pdf.row(_("Usage mode"), mode_title)

    pdf.heading(_("Customer"))
    pdf.row(_("Kind"), _(SUBJECT_LABELS.get(check.subject_kind, check.subject_kind)))
    pdf.row(_("Name"), check.subject_name)
    pdf.row(_("Enterprise number") if check.subject_kind == "company" else _("Date of birth"), check.subject_reference)
    pdf.row(_("Country"), check.subject_country)

    pdf.heading(_("Transaction"))
    pdf.row(_("Kind"), _(TRANSACTION_LABELS.get(check.transaction_kind, check.transaction_kind)))
    pdf.row(_("Property"), check.property_address)
    pdf.row(_("Amount"), _("not known") if check.amount_cents is None else formatting.money(check.amount_cents))

    pdf.heading(_("Risk questions"))
    answers = answers_of(check)
    for question in QUESTIONS:
        answer = _("Yes") if answers.get(question.id) else _("No")
        pdf.set_font(pdf.family_name, "B", 10)
        pdf.cell(15, 6, pdf.text_of(answer))
        pdf.set_font(pdf.family_name, "", 10)
        pdf.multi_cell(pdf.epw - 15, 6, pdf.text_of(_(question.text)), new_x="LMARGIN", new_y="NEXT")

    pdf.heading(_("Outcome"))
    pdf.row(_("Risk score"), str(check.risk_score))
    pdf.row(_("Vigilance level"), _(VIGILANCE_LABELS.get(check.vigilance, check.vigilance)))
    pdf.row(_("Decision"), _(OUTCOME_LABELS.get(check.outcome, check.outcome)))
    pdf.row(_("Notes"), check.notes)
    return bytes(pdf.output())


def write_report(platform: Platform, context: ToolContext, check_id: int) -> Path:
    """Write the report of one check of the context's organisation into the data directory."""
    from immo_connect.organisations.models import Organisation
    from immo_connect.plugins.tools.antiblanchiment.checks import get_check

    check = get_check(platform, context, check_id)
    organisation = Organisation.get_by_id(context.organisation_id)
    tool = platform.tools.tool("antiblanchiment")
    mode = tool.mode(check.mode)
    data = render(
        check, organisation_name=organisation.name, enterprise_number=organisation.enterprise_number,
        mode_title=_(mode.title) if mode else check.mode,
    )
    folder = platform.settings.data_dir / "reports" / "antiblanchiment" / str(context.organisation_id)
    path = folder / f"due-diligence-{check.id:06d}.pdf"
    write_file(path, lambda out: out.write(data))
    return path
