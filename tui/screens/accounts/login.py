"""The sign-in screen: username or e-mail address and password; new account; forgotten password.

This is the first screen painted, before the platform is ready: nothing here touches the
database outside a worker, and the accounts modules are imported only when used.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.widgets.account_forms import FormMessage, focus_field
from immo_connect.tui.widgets.footer import AppFooter
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Input, Label

FIELDS = {"identifier": "login-username", "password": "login-password"}


def _sign_in(app: Any, identifier: str, password: str) -> Any:
    return app.platform.accounts.sign_in(identifier, password)


class LoginScreen(ServiceHandlers, Screen[None]):
    CSS_PATH = "../../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"
    # Focused as the screen is built, so that the footer is drawn once with the keys it keeps.
    AUTO_FOCUS = "#login-username"
    BINDINGS = [
        Binding("ctrl+n", "register", N_("Create a new account"), id="login-register"),
        Binding("ctrl+r", "forgot", N_("Forgot your password?"), id="login-forgot"),
    ]

    def __init__(self, message: str = "") -> None:
        super().__init__()
        self.initial_message = message

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Sign in"))
        with Page(classes="page"), Vertical(id="login-form", classes="form"):
            yield Label(_("Sign in to Immo-Connect"), classes="title")
            yield Label(_("Username or e-mail address"))
            yield Input(id="login-username", max_length=254)
            yield Label(_("Password"))
            yield Input(id="login-password", password=True, max_length=1024)
            yield Button(_("Sign in"), id="login-submit", variant="primary")
            yield FormMessage(id="login-message")
            with Horizontal(classes="links"):
                yield Button(_("Create a new account"), id="login-register", flat=True)
                yield Button(_("Forgot your password?"), id="login-forgot", flat=True)
        yield AppFooter()

    def on_mount(self) -> None:
        if self.initial_message:
            self.query_one(FormMessage).error(self.initial_message)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "login-username":
            self.query_one("#login-password", Input).focus()
        else:
            self.action_sign_in()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"login-submit": self.action_sign_in, "login-register": self.action_register,
                   "login-forgot": self.action_forgot}
        if event.button.id in actions:
            event.stop()
            actions[event.button.id]()

    def action_sign_in(self) -> None:
        identifier = self.query_one("#login-username", Input).value
        password = self.query_one("#login-password", Input).value
        message = self.query_one(FormMessage)
        message.update(_("Signing in…"))
        self.query_one("#login-submit", Button).disabled = True
        call_service(self, "sign-in", _sign_in, self.app, identifier, password,
                     on_done=self._signed_in, on_error=self._refused)

    def _signed_in(self, signed: Any) -> None:
        from immo_connect.tui.session_flow import continue_after_sign_in

        self.query_one("#login-submit", Button).disabled = False
        self.query_one("#login-password", Input).value = ""
        continue_after_sign_in(self.app, signed)

    def _refused(self, error: ImmoConnectError) -> None:
        self.query_one("#login-submit", Button).disabled = False
        password = self.query_one("#login-password", Input)
        password.value = ""
        self.query_one(FormMessage).error(error)
        if error.field:
            focus_field(self, error, FIELDS)
        else:
            password.focus()

    def action_register(self) -> None:
        from immo_connect.tui.screens.accounts.register import RegisterScreen

        self.app.push_screen(RegisterScreen())

    def action_forgot(self) -> None:
        from immo_connect.tui.screens.accounts.forgot_password import ForgotPasswordScreen

        identifier = self.query_one("#login-username", Input).value.strip()
        self.app.push_screen(ForgotPasswordScreen(email=identifier if "@" in identifier else ""))
