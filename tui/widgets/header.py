"""The header of every screen: platform name, screen title, the language switch and the
user's name (top right).

With the sandbox payment method on (the demo configuration), it also says « mode démo » on
every screen: top-ups there move no real money, and nobody should mistake it for production.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal

from immo_connect import i18n
from immo_connect.i18n import _
from immo_connect.tui.widgets.safe import Button, Label


class AppHeader(Horizontal):
    def __init__(self, title: str) -> None:
        super().__init__(id="app-header")
        self.screen_title = title

    def compose(self) -> ComposeResult:
        settings = self.app.settings  # type: ignore[attr-defined]
        yield Label(settings.platform.name, id="brand")
        if settings.sandbox_enabled:
            yield Label(_("demo mode · sandbox payments"), id="demo-mode")
        yield Label(self.screen_title, id="screen-title")
        session = getattr(self.app, "session", None)
        name = session.display_name if session is not None else _("Not signed in")
        language = Button(i18n.get_language().upper(), id="language-switch", flat=True, compact=True,
                          tooltip=_("Language"))
        language.can_focus = False  # F6 opens it from the keyboard, as F2 does the user menu
        yield language
        user_menu = Button(name, id="user-menu", flat=True, compact=True)
        # Clicked with the mouse or opened with F2, never a Tab stop: a stop at the top of
        # every screen, before the first field, is one the person cannot see.
        user_menu.can_focus = False
        yield user_menu

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "language-switch":
            event.stop()
            self.app.action_choose_language()  # type: ignore[attr-defined]
        elif event.button.id == "user-menu":
            from immo_connect.tui.screens.accounts.user_menu import open_user_menu

            event.stop()
            open_user_menu(self.app)
