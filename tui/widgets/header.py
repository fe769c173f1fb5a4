"""The header of every screen: platform name, screen title and the user's name (top right)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal

from immo_connect.i18n import _
from immo_connect.tui.widgets.safe import Button, Label


class AppHeader(Horizontal):
    def __init__(self, title: str) -> None:
        super().__init__(id="app-header")
        self.screen_title = title

    def compose(self) -> ComposeResult:
        yield Label(self.app.settings.platform.name, id="brand")  # type: ignore[attr-defined]
        yield Label(self.screen_title, id="screen-title")
        session = getattr(self.app, "session", None)
        name = session.display_name if session is not None else _("Not signed in")
        yield Button(name, id="user-menu", flat=True, compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "user-menu":
            from immo_connect.tui.screens.user_menu import open_user_menu

            event.stop()
            open_user_menu(self.app)
