"""A confirmation before a destructive action. The default answer (focused, and Escape) is no."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen

from immo_connect.i18n import N_, _
from immo_connect.tui.widgets.safe import Button, Label


class ConfirmDialog(ModalScreen[bool]):
    CSS_PATH = "../styles/organisations.tcss"
    BINDINGS = [Binding("escape", "answer_no", N_("No, cancel"), id="confirm-no")]

    def __init__(self, question: str, yes_label: str) -> None:
        super().__init__()
        self.question, self.yes_label = question, yes_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Label(self.question, id="confirm-question")
            with Horizontal(classes="buttons"):
                yield Button(_("No, cancel"), id="confirm-cancel", variant="primary")
                yield Button(self.yes_label, id="confirm-yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#confirm-cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer_no(self) -> None:
        self.dismiss(False)
