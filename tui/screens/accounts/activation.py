"""« L'activation » (manual 1.2.2): the 6-character code from the mail, and "renvoyer le code".

Until the code is entered, every sign-in of the account leads here.
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
from immo_connect.tui.session_flow import token_of
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.footer import AppFooter
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Input, Label


def _activate(app: Any, token: str, code: str) -> Any:
    return app.platform.accounts.activate(token, code)


def _resend(app: Any, token: str) -> str:
    return str(app.platform.accounts.resend_activation(token))


class ActivationScreen(ServiceHandlers, Screen[None]):
    CSS_PATH = "../../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"
    BINDINGS = [
        Binding("ctrl+r", "resend", N_("Resend the code"), id="activation-resend"),
    ]

    def compose(self) -> ComposeResult:
        session = getattr(self.app, "session", None)
        address = getattr(session, "email_hint", "") or _("your e-mail address")
        yield AppHeader(_("Activation"))
        with Page(classes="page"), Vertical(classes="form"):
            yield Label(_("Activate your account"), classes="title")
            yield Label(
                _("We sent an activation code of 6 letters and digits to {address}. "
                  "Enter it below to confirm that this address is yours.").format(address=address),
                id="activation-intro", classes="intro",
            )
            yield Label(_("Activation code"))
            yield Input(id="activation-code", max_length=20, placeholder="K7M2QX")
            with Horizontal(classes="buttons"):
                yield Button(_("Activate my account"), id="activation-submit", variant="primary")
                yield Button(_("Resend the code"), id="activation-resend")
                yield Button(_("Sign out"), id="activation-sign-out")
            yield FormMessage(id="activation-message")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#activation-code", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_activate()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "activation-submit":
            self.action_activate()
        elif event.button.id == "activation-resend":
            self.action_resend()
        elif event.button.id == "activation-sign-out":
            from immo_connect.tui.session_flow import go_to_login

            go_to_login(self.app)

    def action_activate(self) -> None:
        code = self.query_one("#activation-code", Input).value
        self.query_one(FormMessage).update(_("Checking the code…"))
        call_service(self, "activate", _activate, self.app, token_of(self.app), code,
                     on_done=self._activated, on_error=self._refused)

    def action_resend(self) -> None:
        call_service(self, "resend", _resend, self.app, token_of(self.app),
                     on_done=self._resent, on_error=self._refused)

    def _activated(self, signed: Any) -> None:
        from immo_connect.tui.session_flow import continue_after_sign_in

        self.app.notify(_("Your account is active."), title=_("Activation"))
        continue_after_sign_in(self.app, signed)

    def _resent(self, address: str) -> None:
        self.query_one(FormMessage).ok(
            _("A new code was sent to {address}; the previous code no longer works.").format(address=address))
        code = self.query_one("#activation-code", Input)
        code.value = ""
        code.focus()

    def _refused(self, error: ImmoConnectError) -> None:
        self.query_one(FormMessage).error(error)
        self.query_one("#activation-code", Input).focus()
