"""Linking the eID from another computer: show a short code, wait for the signed answer.

The user runs ``immo-connect-eid sign --platform <address> <code>`` where the card reader
is. The signer fetches the challenge by its code, has the card sign it and posts the answer
to the platform's web address; this screen, waiting, sees the outcome in the database and
completes by itself (or shows the refusal). Pasting the answer (``--print``) stays possible:
whitespace and line breaks inside the pasted text do not matter.
"""

from __future__ import annotations

import threading
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, TextArea

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import acting_account
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.qr import QrCode
from immo_connect.tui.widgets.safe import Button, Label

POLL_SECONDS = 0.5  # one indexed read of one row


def _issue(app: Any) -> Any:
    return app.platform.eid.issue_challenge(acting_account(app))


def _link_token(app: Any, token: str) -> Any:
    return app.platform.eid.link_token(acting_account(app), token)


class EidTokenScreen(ServiceHandlers, WorkspaceScreen[Any]):
    AREA = "profile"
    CSS_PATH = ["../../styles/accounts.tcss", "../../styles/eid.tcss"]
    DEFAULT_CLASSES = "accounts eid"
    BINDINGS = [
        # Priority: the focused command field (a TextArea) binds F7 to « select all » itself.
        Binding("f7", "copy", N_("Copy the command"), id="eid-token-copy", key_display="F7", priority=True),
        Binding("ctrl+l", "submit", N_("Verify the pasted answer"), id="eid-token-submit"),
        Binding("ctrl+n", "renew", N_("New challenge"), id="eid-token-renew"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._stop_waiting = threading.Event()
        self._command = ""

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Link the eID from another computer"))
        with Page(classes="page"), Vertical(classes="form"):
            yield Label(_("Sign with the card reader of your own computer"), classes="title")
            yield Label(_("1. On the computer where your card reader is, run this command (F7 copies it). "
                          "It checks your reader and card, asks for your PIN and sends the answer here:"))
            yield TextArea("", id="eid-command", read_only=True, soft_wrap=True, classes="command")
            yield Label("", id="eid-code", classes="intro")
            yield Label("", id="eid-expiry", classes="intro")
            yield FormMessage(id="eid-wait")
            yield Label(_("2. If the command cannot reach the platform, run it with --print and paste "
                          "its answer here (line breaks do not matter), then verify:"), id="eid-paste-label")
            yield TextArea("", id="eid-token", soft_wrap=True, classes="paste")
            with Horizontal(classes="buttons"):
                yield Button(_("Verify the pasted answer"), id="eid-token-submit", variant="primary")
                yield Button(_("New challenge"), id="eid-token-renew")
            yield FormMessage(id="eid-token-message")
            yield Label("", id="eid-web")
            yield QrCode(id="eid-web-qr")
        yield Footer()

    def on_mount(self) -> None:
        self.action_renew()

    def on_unmount(self) -> None:
        self._stop_waiting.set()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "eid-token-submit":
            self.action_submit()
        elif event.button.id == "eid-token-renew":
            self.action_renew()

    def action_copy(self) -> None:
        if self._command:
            self.app.copy_to_clipboard(self._command)
            self.notify(_("The command is copied (if your terminal allows it)."))

    def action_renew(self) -> None:
        self._stop_waiting.set()
        self.query_one("#eid-token-message", FormMessage).update("… " + _("Preparing a challenge…"))
        call_service(self, "eid-challenge", _issue, self.app, on_done=self._issued, on_error=self._failed)

    def _issued(self, challenge: Any) -> None:
        self._command = challenge.command
        self.query_one("#eid-command", TextArea).text = challenge.command
        self.query_one("#eid-code", Label).update(_("Code: {code}").format(code=challenge.shown_code))
        self.query_one("#eid-expiry", Label).update(
            _("This challenge is for {server} and is valid once, until {time} (Belgian time). "
              "A new challenge replaces it.").format(server=challenge.server_id, time=challenge.expires_local)
        )
        self.query_one("#eid-web", Label).update(
            _("3. Or, in a browser with the Web eID extension and the eID software, open {link} "
              "(or scan the code below) and sign there.").format(link=challenge.web_link))
        self.query_one("#eid-web-qr", QrCode).show(challenge.web_link)
        self.query_one("#eid-wait", FormMessage).update("… " + _("Waiting for the answer of your card…"))
        self.query_one("#eid-token-message", FormMessage).clear()
        self.query_one("#eid-token", TextArea).text = ""
        self.query_one("#eid-command", TextArea).focus()
        self._wait_for(int(challenge.id))

    def _wait_for(self, challenge_id: int) -> None:
        """Poll, in a worker thread, what became of the answer posted for this challenge."""
        stop = self._stop_waiting = threading.Event()
        app: Any = self.app
        platform = app.platform

        def wait() -> None:
            seen = ""
            try:
                account = acting_account(app)
                while not stop.wait(POLL_SECONDS):
                    outcome = platform.eid.remote_outcome(account, challenge_id)
                    if outcome is None or stop.is_set():
                        continue
                    if outcome.result is not None:
                        app.call_from_thread(self._arrived, outcome, stop)
                        return
                    if outcome.refusal_message != seen:
                        seen = outcome.refusal_message
                        app.call_from_thread(self._arrived, outcome, stop)
            except ImmoConnectError as error:  # the session ended meanwhile
                app.call_from_thread(self._failed, error)
            finally:
                if not platform.database.is_closed():
                    platform.database.close()  # this worker thread's connection

        self.run_worker(wait, name="eid-wait", thread=True, exit_on_error=False)

    def _arrived(self, outcome: Any, stop: threading.Event) -> None:
        if stop.is_set() or not self.is_attached:
            return
        if outcome.result is not None:
            self.dismiss(outcome.result)
            return
        self.query_one("#eid-wait", FormMessage).error(outcome.refusal_message)

    def action_submit(self) -> None:
        # Whitespace and line breaks of a pasted answer are none of its content.
        token = "".join(self.query_one("#eid-token", TextArea).text.split())
        message = self.query_one("#eid-token-message", FormMessage)
        if not token:
            message.error(_("Paste the answer of the command first."))
            return
        message.remove_class("ok")
        message.update("… " + _("Verifying the answer…"))
        call_service(self, "eid-token", _link_token, self.app, token, on_done=self._pasted_linked,
                     on_error=self._failed)

    def _pasted_linked(self, result: Any) -> None:
        self._stop_waiting.set()
        self.dismiss(result)

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#eid-token-message", FormMessage).error(error)
