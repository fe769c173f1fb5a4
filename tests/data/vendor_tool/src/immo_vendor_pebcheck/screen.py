"""The screen of PEB Check (imported only by the terminal UI)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Label

from immo_connect.i18n import N_


class PebCheckScreen(Screen[None]):
    BINDINGS = [Binding("escape", "close", N_("Close PEB Check"), id="pebcheck-close")]

    def __init__(self, context: Any) -> None:
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        yield Label(f"PEB Check — {self.context.organisation_name}", id="pebcheck-title")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
