"""The terms of use of a tool, to accept before its first start (or after a new version)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen

from immo_connect.i18n import N_, _
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.marked_checkbox import MarkedCheckbox
from immo_connect.tui.widgets.safe import Button, Checkbox, Label, Static


class TermsDialog(ModalScreen[str | None]):
    """Dismissed with the accepted version, or ``None``."""

    CSS_PATH = "../../styles/tools.tcss"
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="terms-cancel")]

    def __init__(self, tool_name: str) -> None:
        super().__init__()
        self.tool_name = tool_name

    def compose(self) -> ComposeResult:
        tool = self.app.platform.plugins.tool(self.tool_name)  # type: ignore[attr-defined]
        terms = tool.terms if tool else None
        self.version = terms.version if terms else ""
        with Vertical(classes="tools-dialog"):
            yield Label(_("Terms of use of {tool} (version {version})").format(
                tool=_(tool.title) if tool else self.tool_name, version=self.version), classes="title")
            with Page(classes="terms-text"):
                yield Static(_(terms.text) if terms else "", id="terms-text")
            yield MarkedCheckbox(_("I accept these terms of use"), id="terms-accept")
            with Horizontal(classes="buttons"):
                yield Button(_("Accept and continue"), id="terms-ok", variant="primary", disabled=True)
                yield Button(_("Cancel"), id="terms-cancel-button")

    def on_mount(self) -> None:
        self.query_one("#terms-accept", Checkbox).focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.query_one("#terms-ok", Button).disabled = not event.value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "terms-ok" and self.query_one("#terms-accept", Checkbox).value:
            self.dismiss(self.version)
        elif event.button.id == "terms-cancel-button":
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
