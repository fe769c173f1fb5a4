"""The screen of Anti-Blanchiment (imported by the terminal UI only).

Left: a new check (customer, transaction, risk questions, the vigilance level they lead to,
the decision). Right: the organisation's recorded checks, with the PDF report of each.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from immo_connect import formatting
from immo_connect.errors import ImmoConnectError, ValidationError
from immo_connect.i18n import N_, _
from immo_connect.plugins.tools.antiblanchiment.checks import (
    OUTCOME_LABELS,
    QUESTIONS,
    SUBJECT_LABELS,
    TRANSACTION_LABELS,
    VIGILANCE_LABELS,
    CheckInput,
    assess,
    checks,
    record_check,
)
from immo_connect.plugins.tools.antiblanchiment.report import write_report
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.marked_checkbox import MarkedCheckbox
from immo_connect.tui.widgets.safe import Button, Checkbox, DataTable, Input, Label, Select
from immo_connect.tui.widgets.table import Column, RecordTable


def _amount_cents(text: str) -> int | None:
    cleaned = text.replace("€", "").replace(" ", "").replace("\u202f", "").replace(".", "").replace(",", ".").strip()
    if not cleaned:
        return None
    try:
        return round(float(cleaned) * 100)
    except ValueError:
        raise ValidationError(_("The amount is not a number."), hint=_("Write it like 345000 or 345 000,00."),
                              field="amount") from None


class AntiBlanchimentScreen(ServiceHandlers, Screen[None]):
    CSS_PATH = Path(__file__).with_name("screen.tcss")
    BINDINGS = [
        Binding("ctrl+s", "record", N_("Record the check"), id="aml-record"),
        Binding("ctrl+r", "report", N_("Export the PDF report"), id="aml-report"),
        Binding("escape", "close", N_("Close the tool"), id="aml-close"),
    ]

    def __init__(self, context: Any) -> None:
        super().__init__()
        self.context = context
        self.pending_key: str | None = None
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        from immo_connect.tui.widgets.header import AppHeader

        tool = self.app.platform.tools.tool("antiblanchiment")  # type: ignore[attr-defined]
        mode = tool.mode(self.context.mode)
        price = tool.price("check")
        yield AppHeader("Anti-Blanchiment")
        yield Label(_("Working for {organisation} — {mode}.").format(
            organisation=self.context.organisation_name, mode=_(mode.title) if mode else self.context.mode),
            id="aml-quality")
        with Horizontal():
            with Page(id="aml-form"):
                yield Label(_("Customer"), classes="section")
                yield Select([(_(label), key) for key, label in SUBJECT_LABELS.items()], value="person",
                             allow_blank=False, id="aml-kind")
                yield Input(id="aml-name", placeholder=_("Name as on the identity document or in the KBO/BCE"))
                yield Label(_("Date of birth (YYYY-MM-DD)"), id="aml-reference-label")
                yield Input(id="aml-reference")
                yield Input(id="aml-country", value="BE", placeholder=_("Country (two letters)"), max_length=2)
                yield Label(_("Transaction"), classes="section")
                yield Select([(_(label), key) for key, label in TRANSACTION_LABELS.items()], value="sale",
                             allow_blank=False, id="aml-transaction")
                yield Input(id="aml-address", placeholder=_("Address of the property"))
                yield Input(id="aml-amount", placeholder=_("Amount in euros (optional)"))
                yield Label(_("Risk questions"), classes="section")
                for question in QUESTIONS:
                    yield MarkedCheckbox(_(question.text), id=f"aml-q-{question.id}")
                yield Label("", id="aml-vigilance", classes="section")
                yield Label(_("Decision"), classes="section")
                yield Select([(_(label), key) for key, label in OUTCOME_LABELS.items()], value="proceed",
                             allow_blank=False, id="aml-outcome")
                yield Input(id="aml-notes", placeholder=_("Notes (documents seen, source of funds, …)"))
                yield Button(_("Record the check ({price})").format(price=formatting.money(price.amount_cents if price else 0)),
                             id="aml-record-button", variant="primary")
                yield Label("", id="aml-message", classes="message")
            with Vertical(id="aml-history"):
                yield Label(_("Checks of the organisation"), classes="section")
                yield RecordTable(Column(_("No."), priority=1), Column(_("Date"), keep=True),
                                  Column(_("Customer"), flex=True), Column(_("Vigilance"), keep=True, max_width=12),
                                  Column(_("Decision"), keep=True, max_width=14), id="aml-checks",
                                  zebra_stripes=False)
                yield Button(_("Export the PDF report"), id="aml-report-button")
        yield Footer()

    def on_mount(self) -> None:
        self._update_vigilance()
        self._load()
        self.query_one("#aml-name", Input).focus()

    def _load(self) -> None:
        call_service(self, "aml-checks", checks, self.app.platform, self.context, on_done=self._show_checks)  # type: ignore[attr-defined]

    def _show_checks(self, rows: list[Any]) -> None:
        self.rows = rows
        self.query_one("#aml-checks", RecordTable).set_records(
            (str(row.id), [str(row.id), formatting.date(row.created_at), row.subject_name,
                           _(VIGILANCE_LABELS.get(row.vigilance, row.vigilance)),
                           _(OUTCOME_LABELS.get(row.outcome, row.outcome))]) for row in rows)

    def _answers(self) -> dict[str, bool]:
        return {q.id: bool(self.query_one(f"#aml-q-{q.id}", Checkbox).value) for q in QUESTIONS}

    def _update_vigilance(self) -> None:
        score, level = assess(self._answers())
        self.query_one("#aml-vigilance", Label).update(
            _("Risk score {score}: {level}").format(score=score, level=_(VIGILANCE_LABELS[level])))

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._update_vigilance()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "aml-kind":
            event.stop()
            self.query_one("#aml-reference-label", Label).update(
                _("Enterprise number") if event.value == "company" else _("Date of birth (YYYY-MM-DD)"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "aml-record-button":
            self.action_record()
        elif event.button.id == "aml-report-button":
            self.action_report()

    def _value(self, selector: str) -> str:
        return str(self.query_one(selector, Input).value)

    def action_record(self) -> None:
        try:
            data = CheckInput(
                subject_kind=str(self.query_one("#aml-kind", Select).value),
                subject_name=self._value("#aml-name"), subject_reference=self._value("#aml-reference"),
                subject_country=self._value("#aml-country"),
                transaction_kind=str(self.query_one("#aml-transaction", Select).value),
                property_address=self._value("#aml-address"), amount_cents=_amount_cents(self._value("#aml-amount")),
                answers=self._answers(), outcome=str(self.query_one("#aml-outcome", Select).value),
                notes=self._value("#aml-notes"),
            )
        except ValidationError as error:
            self._failed(error)
            return
        self.pending_key = self.pending_key or uuid.uuid4().hex
        call_service(self, "aml-record", record_check, self.app.platform, self.context, data,  # type: ignore[attr-defined]
                     idempotency_key=self.pending_key, on_done=self._recorded, on_error=self._failed)

    def _recorded(self, check_id: int) -> None:
        self.pending_key = None
        self.query_one("#aml-message", Label).update(_("Check {number} recorded.").format(number=check_id))
        self.query_one("#aml-message", Label).add_class("ok")
        for selector in ("#aml-name", "#aml-reference", "#aml-address", "#aml-amount", "#aml-notes"):
            self.query_one(selector, Input).value = ""
        for question in QUESTIONS:
            self.query_one(f"#aml-q-{question.id}", Checkbox).value = False
        self._load()

    def _failed(self, error: ImmoConnectError) -> None:
        self.pending_key = None
        label = self.query_one("#aml-message", Label)
        label.remove_class("ok")
        label.update(f"✗ {error}")
        if error.field:
            target = {"subject_name": "#aml-name", "subject_reference": "#aml-reference", "subject_country": "#aml-country",
                      "property_address": "#aml-address", "amount": "#aml-amount", "outcome": "#aml-outcome"}.get(error.field)
            if target:
                self.query_one(target).focus()

    def action_report(self) -> None:
        table = self.query_one("#aml-checks", DataTable)
        if not self.rows or table.row_count == 0:
            self.notify(_("Record a check first."), severity="warning")
            return
        row = self.rows[table.cursor_row]
        call_service(self, "aml-report", write_report, self.app.platform, self.context, row.id,  # type: ignore[attr-defined]
                     on_done=lambda path: self.notify(_("Report saved: {path}").format(path=path), title=_("PDF report")))

    def action_close(self) -> None:
        self.dismiss(None)
