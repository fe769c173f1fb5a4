"""The question before an operator's action: what will happen, extra fields, and the reason.

The reason is required (the core refuses an empty one, and says so here). The default
answer (Escape, and the button first in line) is no.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen

from immo_connect.i18n import N_, _
from immo_connect.tui.widgets.safe import Button, Input, Label


class ReasonDialog(ModalScreen[dict[str, str] | None]):
    """Answers ``{"reason": …, <field>: …}``, or None when cancelled."""

    CSS_PATH = "../../styles/operators.tcss"
    BINDINGS = [Binding("escape", "cancel", N_("No, cancel"), id="reason-cancel")]

    def __init__(self, question: str, yes_label: str, fields: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.question, self.yes_label = question, yes_label
        self.fields = fields or []  # (id, label) of extra one-line fields before the reason

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-dialog"):
            yield Label(self.question, id="reason-question")
            for field_id, label in self.fields:
                yield Label(label)
                yield Input(id=f"reason-field-{field_id}")
            yield Label(_("Reason (ticket, what the person asked)"))
            yield Input(id="reason-text", max_length=500)
            yield Label("", id="reason-error")
            with Horizontal(classes="buttons"):
                yield Button(_("No, cancel"), id="reason-no")
                yield Button(self.yes_label, id="reason-yes", variant="warning")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def _answer(self) -> None:
        reason = self.query_one("#reason-text", Input).value
        if not reason.strip():
            self.query_one("#reason-error", Label).update("✗ " + _("Give the reason for this action."))
            self.query_one("#reason-text", Input).focus()
            return
        answer = {"reason": reason}
        for field_id, _label in self.fields:
            answer[field_id] = self.query_one(f"#reason-field-{field_id}", Input).value
        self.dismiss(answer)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "reason-text":
            self._answer()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "reason-yes":
            self._answer()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
