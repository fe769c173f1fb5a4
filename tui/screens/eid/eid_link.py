"""« Lier l'eID » (manual 1.2.3 and 2.1.2): read the card here, or sign a challenge elsewhere.

Here: the card is read in this computer's reader and the PIN (typed below, or on the
reader's keypad) lets the card sign a challenge. Over SSH the reader is on the user's own
computer: "Depuis un autre ordinateur" shows a challenge for ``immo-connect eid sign`` and
takes the answer back (:mod:`.eid_token`). "Ignorer" stays possible, as the manual says.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import acting_account
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.marked_checkbox import MarkedCheckbox
from immo_connect.tui.widgets.safe import Button, Checkbox, Input, Label


def _link_here(app: Any, pin: str | None) -> Any:
    return app.platform.eid.link_local(acting_account(app), pin=pin)


def _skip(app: Any) -> None:
    app.platform.eid.skip(acting_account(app))


def result_text(result: Any) -> str:
    """The outcome of a link, in words (shared with the remote screen's result)."""
    revocation = (_("checked, not revoked") if result.revocation == "good"
                  else _("not checked (no revocation source is configured)"))
    text = _("Your eID card is linked to your account: {name}, card {card} (applet {applet}), "
             "valid until {date}. Revocation: {revocation}.").format(
        name=f"{result.first_names} {result.surname}".strip(), card=result.card_number, applet=result.applet,
        date=f"{result.card_valid_until:%d/%m/%Y}", revocation=revocation,
    )
    if result.recognitions_found is not None:
        text += " " + _("Recognitions found: {count}.").format(count=result.recognitions_found)
    return text + " " + _("Your name, birth date and nationality now come from the card.")


class EidLinkScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "profile"
    CSS_PATH = ["../../styles/accounts.tcss", "../../styles/eid.tcss"]
    DEFAULT_CLASSES = "accounts eid"
    BINDINGS = [
        Binding("ctrl+r", "read", N_("Read the card and link"), id="eid-read"),
        Binding("ctrl+t", "remote", N_("Link from another computer (SSH)"), id="eid-remote"),
        Binding("ctrl+g", "skip", N_("Skip for now"), id="eid-skip"),
    ]

    def compose(self) -> ComposeResult:
        remote = bool(getattr(self.app, "remote", False))
        yield AppHeader(_("Link the eID"))
        with Page(classes="page"), Vertical(classes="form", id="eid-form"):
            yield Label(_("Link your eID card"), classes="title")
            yield Label(
                _("The card's data and certificates are verified, then your PIN lets the card prove that it is "
                  "yours. Your name, birth date and nationality are then taken from the card and can no longer "
                  "be changed by hand."),
                classes="intro",
            )
            if remote:
                yield Label(
                    "⚠ " + _("You are connected to a server: a card reader on your own computer cannot be read "
                             "from here. Use \"From another computer\" below."),
                    id="eid-remote-note", classes="warning",
                )
            yield Label(_("On this computer"), classes="section")
            yield Label(_("Insert your card in the reader, type your PIN, then read the card."))
            yield Label(_("PIN code"))
            yield Input(id="eid-pin", password=True, max_length=12, restrict=r"\d*", placeholder="••••")
            yield MarkedCheckbox(_("My card reader has its own keypad (type the PIN there)"), id="eid-pinpad")
            with Horizontal(classes="buttons"):
                yield Button(_("Read the card and link"), id="eid-read", variant="primary")
            yield Label(_("From another computer (SSH)"), classes="section")
            yield Label(_("Connected to a server? Get a challenge here, sign it with the card reader of your own "
                          "computer, and paste the answer."))
            with Horizontal(classes="buttons"):
                yield Button(_("From another computer"), id="eid-remote")
                yield Button(_("Skip for now"), id="eid-skip")
            yield FormMessage(id="eid-message")
        with Vertical(classes="form hidden", id="eid-result-box"):
            yield Label("", id="eid-result")
            with Horizontal(classes="buttons"):
                yield Button(_("Continue"), id="eid-done", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        if getattr(self.app, "remote", False):
            self.query_one("#eid-remote", Button).focus()
        else:
            self.query_one("#eid-pin", Input).focus()

    # -- events ------------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_read()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        pin = self.query_one("#eid-pin", Input)
        pin.disabled = event.value
        if event.value:
            pin.value = ""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"eid-read": self.action_read, "eid-remote": self.action_remote,
                   "eid-skip": self.action_skip, "eid-done": self.action_done}
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    # -- actions -----------------------------------------------------------------------------

    def action_read(self) -> None:
        if not self.query_one("#eid-result-box").has_class("hidden"):
            return
        pinpad = self.query_one("#eid-pinpad", Checkbox).value
        pin = None if pinpad else self.query_one("#eid-pin", Input).value
        message = self.query_one("#eid-message", FormMessage)
        message.remove_class("ok")
        message.update("… " + (_("Reading the card; type your PIN on the reader's keypad when it asks.") if pinpad
                               else _("Reading and verifying the card…")))
        self.query_one("#eid-read", Button).disabled = True
        call_service(self, "eid-link", _link_here, self.app, pin, on_done=self._linked, on_error=self._failed)

    def action_remote(self) -> None:
        from immo_connect.tui.screens.eid.eid_token import EidTokenScreen

        if self.query_one("#eid-result-box").has_class("hidden"):
            self.app.push_screen(EidTokenScreen(), callback=self._remote_done)

    def _remote_done(self, result: Any) -> None:
        if result is not None:
            self._linked(result)

    def action_skip(self) -> None:
        call_service(self, "eid-skip", _skip, self.app, on_done=self._skipped, on_error=self._failed)

    def _skipped(self, _result: None) -> None:
        from immo_connect.accounts.required import LINK_EID
        from immo_connect.tui.session_flow import continue_after_sign_in

        session = getattr(self.app, "session", None)
        if session is not None and LINK_EID in tuple(getattr(session, "required_actions", ())):
            continue_after_sign_in(self.app, session.without(LINK_EID))
        else:
            self.dismiss(None)

    def action_done(self) -> None:
        if not self.query_one("#eid-result-box").has_class("hidden"):
            self.dismiss(None)

    # -- results -----------------------------------------------------------------------------

    def _linked(self, result: Any) -> None:
        self.query_one("#eid-pin", Input).value = ""
        self.query_one("#eid-form").add_class("hidden")
        box = self.query_one("#eid-result-box")
        box.remove_class("hidden")
        self.query_one("#eid-result", Label).update("✓ " + result_text(result))
        self.query_one("#eid-done", Button).focus()

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#eid-read", Button).disabled = False
        self.query_one("#eid-pin", Input).value = ""
        message = self.query_one("#eid-message", FormMessage)
        message.error(error)
        self.query_one("#eid-pin", Input).focus()
        message.scroll_visible()
