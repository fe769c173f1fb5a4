"""The screen of a tool that runs in its own application (imported by the terminal UI only).

It says honestly what the tool does, under which quality it was started, and where its
own application lives; it does not imitate the tool.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer

from immo_connect.i18n import _
from immo_connect.tui.widgets.safe import Button, Label, Static


class ExternalToolScreen(Screen[None]):
    """Subclasses set ``TOOL`` to the name of their tool."""

    TOOL = ""
    CSS_PATH = Path(__file__).with_name("external.tcss")  # absolute: subclasses live elsewhere
    BINDINGS = [Binding("escape", "close", _("Close the tool"), id="tool-close")]

    def __init__(self, context: Any) -> None:
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        from immo_connect.tui.widgets.header import AppHeader

        tool = self.app.platform.plugins.tool(self.TOOL)  # type: ignore[attr-defined]
        mode = tool.mode(self.context.mode)
        yield AppHeader(_(tool.title))
        with VerticalScroll(classes="tool-page external-tool"):
            yield Label(_(tool.title), classes="title")
            yield Label(
                _("Working for {organisation} — {mode}.").format(
                    organisation=self.context.organisation_name, mode=_(mode.title) if mode else self.context.mode),
                id="tool-quality",
            )
            yield Static(_(tool.long_description), id="tool-description")
            yield Label(_("This tool opens in its own application:"), classes="section")
            yield Label(tool.website or tool.support.website, id="tool-website")
            yield Label(_("Support: {name} {contact}").format(
                name=tool.support.name, contact=tool.support.email or tool.support.phone or tool.support.website))
            yield Button(_("Close"), id="tool-close-button")
        yield Footer()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "tool-close-button":
            self.action_close()

    def action_close(self) -> None:
        self.dismiss(None)
