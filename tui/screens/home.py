"""The home screen after signing in: a greeting, the account's state and shortcuts.

The shortcuts are the user menu's entries (``tui/menu.py``), so each area that adds an
entry there appears here too.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer

from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import token_of
from immo_connect.tui.widgets.account_forms import ERROR_MARK, OK_MARK
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Label


def _session_info(app: Any, token: str) -> Any:
    return app.platform.accounts.session_info(token)


class HomeScreen(ServiceHandlers, Screen[None]):
    CSS_PATH = "../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"
    BINDINGS = [
        Binding("p", "open('profile')", N_("My profile"), id="home-profile"),
        Binding("c", "open('account')", N_("My account"), id="home-account"),
        Binding("l", "link_eid", N_("Link the eID"), id="home-link-eid"),
        Binding("o", "open('connect-tool')", N_("Connect a tool"), id="home-connect-tool"),
        Binding("d", "sign_out", N_("Sign out"), id="home-sign-out"),
    ]

    def compose(self) -> ComposeResult:
        from immo_connect.tui.menu import MENU_ENTRIES

        session = getattr(self.app, "session", None)
        name = getattr(session, "display_name", "")
        yield AppHeader(_("Home"))
        with Page(classes="page"):
            yield Label(_("Hello {name}, welcome to Immo-Connect.").format(name=name), id="home-greeting")
            yield Label(self._status_text(session), id="home-status")
            with Vertical(id="home-shortcuts", classes="form"):
                yield Label(_("Where do you want to go?"), classes="title")
                for entry_id, label, _path in MENU_ENTRIES:
                    yield Button(_(label), id=f"home-{entry_id}")
                yield Button(_("Link the eID"), id="home-link-eid",
                             classes="" if self._eid_missing(session) else "hidden")
                yield Button(_("Sign out"), id="home-sign-out")
        yield Footer()

    @staticmethod
    def _eid_missing(session: Any) -> bool:
        return not getattr(session, "eid_linked", False)

    def _status_text(self, session: Any) -> str:
        if self._eid_missing(session):
            return f"{ERROR_MARK} " + _("Your eID is not linked yet: most tools need it, and your recognitions "
                                        "are added only once it is linked.")
        return f"{OK_MARK} " + _("Your eID is linked to your account.")

    def on_mount(self) -> None:
        buttons = self.query("#home-shortcuts Button")
        if buttons:
            buttons.first().focus()

    def on_screen_resume(self) -> None:
        if getattr(self.app, "session", None) is None:
            return
        call_service(self, "home-session", _session_info, self.app, token_of(self.app),
                     on_done=self._refresh)

    def _refresh(self, signed: Any) -> None:
        self.app.session = signed  # type: ignore[attr-defined]
        self.query_one("#home-status", Label).update(self._status_text(signed))
        self.query_one("#home-link-eid").set_class(not self._eid_missing(signed), "hidden")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = (event.button.id or "").removeprefix("home-")
        event.stop()
        if button == "sign-out":
            self.action_sign_out()
        elif button == "link-eid":
            self.action_link_eid()
        else:
            self.action_open(button)

    def action_open(self, entry_id: str) -> None:
        from immo_connect.tui.menu import MENU_ENTRIES
        from immo_connect.tui.session_flow import screen_from_path

        for candidate, _label, path in MENU_ENTRIES:
            if candidate == entry_id:
                screen = screen_from_path(path)
                if screen is not None:
                    self.app.push_screen(screen)
                return

    def action_link_eid(self) -> None:
        from immo_connect.tui.session_flow import open_link_eid

        open_link_eid(self.app)

    def action_sign_out(self) -> None:
        sign_out(self.app)


def sign_out(app: Any) -> None:
    """End the session in the database, then go back to the sign-in screen."""
    from immo_connect.tui.session_flow import go_to_login

    session = getattr(app, "session", None)
    if session is not None:
        # The app runs it: the current screen is about to be replaced.
        call_service(app, "sign-out", app.platform.accounts.sign_out, session.token)
    go_to_login(app)
    app.notify(_("You are signed out."))
