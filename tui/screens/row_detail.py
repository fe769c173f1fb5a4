"""« Ligne complète »: every column of a table's row, whole, in a dialog.

Opened by the row-detail key (``keymap.ROW_DETAIL``) of any table of the UI
(``tui/widgets/table.py``). Tables cut long text with « … » and give up columns at 80
columns; here every value is whole, wrapped, and shown literally (it may come from another
person: a description, a name, a function).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen

from immo_connect.i18n import N_, _
from immo_connect.tui.widgets.safe import Button, Label, Static, assemble


class RowDetailDialog(ModalScreen[None]):
    CSS_PATH = "../styles/app.tcss"
    BINDINGS = [Binding("escape", "close", N_("Close"), id="row-detail-close")]

    def __init__(self, details: Sequence[tuple[str, str]], title: str = "") -> None:
        super().__init__()
        self.details = list(details)
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical(id="row-detail", classes="dialog-box"):
            yield Label(self.heading or _("Full row"), classes="title")
            with VerticalScroll(id="row-detail-fields"):
                for label, value in self.details:
                    yield Static(assemble((label, "bold")), classes="row-detail-label")
                    yield Static(value if value else "—", classes="row-detail-value")
            yield Button(_("Close"), id="row-detail-close-button", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#row-detail-fields", VerticalScroll).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
