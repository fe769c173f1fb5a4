"""Linking the eID from another computer: show a one-time challenge, take the signed answer.

The user runs ``immo-connect eid sign <challenge>`` where the card reader is and pastes the
one-line answer here. The server verifies it exactly like a card read in its own reader;
the challenge is valid a few minutes and only once. The screen returns the link result.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, TextArea

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import acting_account
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Input, Label


def _issue(app: Any) -> Any:
    return app.platform.eid.issue_challenge(acting_account(app))


def _link_token(app: Any, token: str) -> Any:
    return app.platform.eid.link_token(acting_account(app), token)


class EidTokenScreen(ServiceHandlers, Screen[Any]):
    CSS_PATH = ["../styles/accounts.tcss", "../styles/eid.tcss"]
    DEFAULT_CLASSES = "accounts eid"
    BINDINGS = [
        Binding("ctrl+l", "submit", _("Verify the answer and link"), id="eid-token-submit"),
        Binding("ctrl+n", "renew", _("New challenge"), id="eid-token-renew"),
    ]

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Link the eID from another computer"))
        with VerticalScroll(classes="page"), Vertical(classes="form"):
            yield Label(_("Sign with the card reader of your own computer"), classes="title")
            yield Label(_("1. On the computer where your card reader is, with Immo-Connect installed, run this "
                          "command. It reads your card and asks for your PIN:"))
            yield TextArea("", id="eid-command", read_only=True, soft_wrap=True, classes="command")
            yield Label("", id="eid-expiry", classes="intro")
            yield Label(_("2. Paste here the one-line answer it prints, then verify:"))
            yield Input(id="eid-token", placeholder="ICT1.…")
            with Horizontal(classes="buttons"):
                yield Button(_("Verify the answer and link"), id="eid-token-submit", variant="primary")
                yield Button(_("New challenge"), id="eid-token-renew")
            yield FormMessage(id="eid-token-message")
        yield Footer()

    def on_mount(self) -> None:
        self.action_renew()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "eid-token-submit":
            self.action_submit()
        elif event.button.id == "eid-token-renew":
            self.action_renew()

    def action_renew(self) -> None:
        self.query_one("#eid-token-message", FormMessage).update("… " + _("Preparing a challenge…"))
        call_service(self, "eid-challenge", _issue, self.app, on_done=self._issued, on_error=self._failed)

    def _issued(self, challenge: Any) -> None:
        self.query_one("#eid-command", TextArea).text = challenge.command
        self.query_one("#eid-expiry", Label).update(
            _("This challenge is for {server} and is valid once, until {time} UTC.").format(
                server=challenge.server_id, time=f"{challenge.expires_at:%H:%M}")
        )
        self.query_one("#eid-token-message", FormMessage).clear()
        self.query_one("#eid-token", Input).value = ""
        self.query_one("#eid-token", Input).focus()

    def action_submit(self) -> None:
        token = self.query_one("#eid-token", Input).value.strip()
        message = self.query_one("#eid-token-message", FormMessage)
        if not token:
            message.error(_("Paste the answer of the command first."))
            return
        message.remove_class("ok")
        message.update("… " + _("Verifying the answer…"))
        call_service(self, "eid-token", _link_token, self.app, token, on_done=self.dismiss, on_error=self._failed)

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#eid-token-message", FormMessage).error(error)
