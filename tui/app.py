"""The application object: global bindings, the palette, and the first screen.

Screens hold their own bindings and logic (one module each under ``screens/``); the app
only routes between them and keeps the signed-in session.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from immo_connect.i18n import _
from immo_connect.platform import Platform
from immo_connect.tui.commands import ActionsProvider


class ImmoConnectApp(App[int]):
    # Absolute, so that subclasses defined elsewhere (tests, benchmarks) find it too.
    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"
    TITLE = "Immo-Connect"
    COMMANDS = App.COMMANDS | {ActionsProvider}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark", "help", _("Help"), id="help", key_display="?"),
        Binding("f1", "help", _("Help"), id="help-f1", show=False),
        Binding("escape", "back", _("Back"), id="back"),
        Binding("q", "quit", _("Quit"), id="quit"),
    ]

    def __init__(self, platform: Platform, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.platform = platform
        self.session: Any = None  # the signed-in session, set by the login screen

    def on_mount(self) -> None:
        from immo_connect.tui.screens.login import LoginScreen

        self.push_screen(LoginScreen())

    def action_help(self) -> None:
        from immo_connect.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_back(self) -> None:
        # The login screen sits above Textual's default screen: never pop below it.
        if len(self.screen_stack) > 2:
            self.pop_screen()


def run_app(platform: Platform) -> int:
    """Run the UI in this terminal; the exit code is the app's return code."""
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    app = ImmoConnectApp(platform)
    result = app.run()
    return int(result or app.return_code or 0)
