"""« Adresse e-mail manquante » (manual 1.1.2 a): accounts imported without an address add one.

The address receives an activation code; it becomes the account's address only when the
code is entered on the activation screen that follows.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import token_of
from immo_connect.tui.widgets.account_forms import WARNING_MARK, FormMessage
from immo_connect.tui.widgets.footer import AppFooter
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Input, Label


def _add_email(app: Any, token: str, email: str) -> str:
    return str(app.platform.accounts.add_missing_email(token, email))


class MissingEmailScreen(ServiceHandlers, Screen[None]):
    CSS_PATH = "../../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Missing e-mail address"))
        with Page(classes="page"), Vertical(classes="form"):
            yield Label(_("Add your e-mail address"), classes="title")
            yield Label(
                _("Your account comes from one of the earlier tools and has no e-mail address yet. "
                  "The address confirms that the account is yours, lets you choose a new password "
                  "if you forget it, and receives the notices about your organisations."),
                classes="intro",
            )
            yield Label(_("Personal e-mail address"))
            yield Input(id="missing-email", max_length=254)
            yield Label("", id="missing-email-warning", classes="warning")
            with Horizontal(classes="buttons"):
                yield Button(_("Send the activation code"), id="missing-email-submit", variant="primary")
                yield Button(_("Sign out"), id="missing-email-sign-out")
            yield FormMessage(id="missing-email-message")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#missing-email", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        from immo_connect.accounts.validation import role_address_warning

        warning = role_address_warning(event.value)
        self.query_one("#missing-email-warning", Label).update(f"{WARNING_MARK} {warning}" if warning else "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "missing-email-submit":
            self.action_submit()
        elif event.button.id == "missing-email-sign-out":
            from immo_connect.tui.session_flow import go_to_login

            go_to_login(self.app)

    def action_submit(self) -> None:
        email = self.query_one("#missing-email", Input).value
        call_service(self, "add-email", _add_email, self.app, token_of(self.app), email,
                     on_done=self._sent, on_error=self._refused)

    def _sent(self, address: str) -> None:
        import dataclasses

        from immo_connect.accounts.required import ACTIVATE, ADD_EMAIL
        from immo_connect.tui.screens.accounts.activation import ActivationScreen

        session = self.app.session  # type: ignore[attr-defined]
        actions = tuple(ACTIVATE if a == ADD_EMAIL else a for a in session.required_actions)
        self.app.session = dataclasses.replace(session, required_actions=actions, email_hint=address)  # type: ignore[attr-defined]
        self.app.switch_screen(ActivationScreen())

    def _refused(self, error: ImmoConnectError) -> None:
        self.query_one(FormMessage).error(error)
        self.query_one("#missing-email", Input).focus()
