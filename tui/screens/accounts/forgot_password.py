"""« Mot de passe oublié ? »: ask for a reset code by e-mail.

The answer is the same whether or not an account uses the address; the next screen takes
the code and the new password.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.footer import AppFooter
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Input, Label


def _request(app: Any, email: str) -> None:
    app.platform.accounts.request_password_reset(email)


class ForgotPasswordScreen(ServiceHandlers, Screen[None]):
    CSS_PATH = "../../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"

    def __init__(self, email: str = "") -> None:
        super().__init__()
        self.email = email

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Forgot your password?"))
        with Page(classes="page"), Vertical(classes="form"):
            yield Label(_("Choose a new password"), classes="title")
            yield Label(
                _("Enter the e-mail address of your account. We send a code there; with it you "
                  "choose a new password on the next screen."),
                classes="intro",
            )
            yield Label(_("E-mail address"))
            yield Input(self.email, id="forgot-email", max_length=254)
            with Horizontal(classes="buttons"):
                yield Button(_("Send the code"), id="forgot-submit", variant="primary")
                yield Button(_("I already have a code"), id="forgot-have-code")
                yield Button(_("Back to sign in"), id="forgot-back")
            yield FormMessage(id="forgot-message")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#forgot-email", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "forgot-submit":
            self.action_submit()
        elif event.button.id == "forgot-have-code":
            self._to_reset()
        elif event.button.id == "forgot-back":
            self.app.pop_screen()

    def action_submit(self) -> None:
        email = self.query_one("#forgot-email", Input).value
        call_service(self, "forgot", _request, self.app, email, on_done=self._requested, on_error=self._refused)

    def _requested(self, _result: None) -> None:
        self.app.notify(
            _("If an account uses this address, a code is on its way. Check your mailbox (and the spam folder)."),
            title=_("Forgot your password?"), timeout=10,
        )
        self._to_reset()

    def _to_reset(self) -> None:
        from immo_connect.tui.screens.accounts.reset_password import ResetPasswordScreen

        self.app.switch_screen(ResetPasswordScreen(email=self.query_one("#forgot-email", Input).value.strip()))

    def _refused(self, error: ImmoConnectError) -> None:
        self.query_one(FormMessage).error(error)
        self.query_one("#forgot-email", Input).focus()
