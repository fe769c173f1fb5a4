"""« Mon compte » (manual 2.1.2): link the eID, change the password, change the e-mail address.

The password change asks for the current password, ends the other sessions and notifies
the owner. The e-mail change has two steps: the code goes to the new address, which
becomes the account's address only when "Confirmer l'adresse e-mail" accepts the code.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _, ngettext
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import token_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import ERROR_MARK, OK_MARK, FormMessage, focus_field, value_of
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Input, Label

PASSWORD_FIELDS = {"current_password": "account-current-password", "password": "account-new-password",
                   "password_confirmation": "account-new-password-confirmation"}
EMAIL_FIELDS = {"new_email": "account-new-email", "current_password": "account-email-password",
                "code": "account-email-code"}


@dataclasses.dataclass(frozen=True)
class AccountState:
    email: str
    eid_linked: bool
    pending_email: str | None


def _state(app: Any, token: str) -> AccountState:
    accounts = app.platform.accounts
    account = accounts.current(token)
    return AccountState(str(account.email or ""), account.eid_linked_at is not None, accounts.pending_email_change(account))


def _change_password(app: Any, token: str, current: str, new: str, confirmation: str) -> int:
    accounts = app.platform.accounts
    return int(accounts.change_password(accounts.current(token), current, new, confirmation, keep_token=token))


def _request_email(app: Any, token: str, email: str, password: str) -> str:
    accounts = app.platform.accounts
    return str(accounts.request_email_change(accounts.current(token), email, password))


def _confirm_email(app: Any, token: str, code: str) -> str:
    accounts = app.platform.accounts
    return str(accounts.confirm_email_change(accounts.current(token), code))


class AccountScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "profile"
    CSS_PATH = "../../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"
    BINDINGS = [
        Binding("ctrl+l", "link_eid", _("Link the eID"), id="account-link-eid"),
        Binding("ctrl+t", "show_password_form", _("Change the password"), id="account-password"),
        Binding("ctrl+o", "ssh_keys", _("My SSH keys"), id="account-ssh-keys"),
    ]

    def compose(self) -> ComposeResult:
        yield AppHeader(_("My account"))
        with Page(classes="page"), Vertical(classes="form"):
            yield Label(_("My account"), classes="title")
            yield Label(_("eID card"), classes="section")
            yield Label("", id="account-eid-status")
            yield Button(_("Link the eID"), id="account-link-eid", classes="hidden")

            yield Label(_("SSH keys"), classes="section")
            yield Button(_("My SSH keys"), id="account-ssh-keys")

            yield Label(_("Password"), classes="section")
            yield Button(_("Change the password"), id="account-password-show")
            with Vertical(id="account-password-form", classes="hidden"):
                yield Label(_("Current password"))
                yield Input(id="account-current-password", password=True, max_length=1024)
                yield Label(_("New password (at least 8 characters)"))
                yield Input(id="account-new-password", password=True, max_length=1024)
                yield Label(_("New password again"))
                yield Input(id="account-new-password-confirmation", password=True, max_length=1024)
                yield Button(_("Save the new password"), id="account-password-save", variant="primary")
            yield FormMessage(id="account-password-message")

            yield Label(_("E-mail address"), classes="section")
            yield Label("", id="account-email-current")
            with Vertical(id="account-email-request"):
                yield Label(_("New e-mail address"))
                yield Input(id="account-new-email", max_length=254)
                yield Label(_("Current password"))
                yield Input(id="account-email-password", password=True, max_length=1024)
                yield Button(_("Confirm and send the activation code"), id="account-email-send", variant="primary")
            with Vertical(id="account-email-confirm", classes="hidden"):
                yield Label("", id="account-email-pending")
                yield Label(_("Activation code"))
                yield Input(id="account-email-code", max_length=20, placeholder="K7M2QX")
                with Horizontal(classes="buttons"):
                    yield Button(_("Confirm the e-mail address"), id="account-email-confirm-button", variant="primary")
                    yield Button(_("Use another address"), id="account-email-restart")
            yield FormMessage(id="account-email-message")
        yield Footer()

    def on_mount(self) -> None:
        self._reload()

    def on_screen_resume(self) -> None:
        self._reload()

    def _reload(self) -> None:
        call_service(self, "account-state", _state, self.app, token_of(self.app), on_done=self._show)

    eid_linked: bool | None = None  # None until the state is loaded

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "link_eid":  # offered only while the eID is not linked
            return self.eid_linked is False
        return True

    def _show(self, state: AccountState) -> None:
        self.eid_linked = state.eid_linked
        self.refresh_bindings()
        status = (f"{OK_MARK} " + _("Your eID is linked.")) if state.eid_linked else (
            f"{ERROR_MARK} " + _("Your eID is not linked yet."))
        self.query_one("#account-eid-status", Label).update(status)
        self.query_one("#account-link-eid").set_class(state.eid_linked, "hidden")
        self.query_one("#account-email-current", Label).update(
            _("Current address: {email}").format(email=state.email or "—"))
        self._email_step(state.pending_email)

    def _email_step(self, pending: str | None) -> None:
        self.query_one("#account-email-request").set_class(pending is not None, "hidden")
        self.query_one("#account-email-confirm").set_class(pending is None, "hidden")
        if pending is not None:
            self.query_one("#account-email-pending", Label).update(
                _("A code was sent to {email}. Enter it to confirm the new address.").format(email=pending))

    # -- actions ---------------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        targets = {"account-new-password-confirmation": self._save_password,
                   "account-email-password": self._send_email_code, "account-email-code": self._confirm_email}
        action = targets.get(event.input.id or "")
        if action is not None:
            action()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "account-link-eid": self.action_link_eid, "account-password-show": self.action_show_password_form,
            "account-password-save": self._save_password, "account-email-send": self._send_email_code,
            "account-email-confirm-button": self._confirm_email, "account-email-restart": lambda: self._email_step(None),
            "account-ssh-keys": self.action_ssh_keys,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    def action_ssh_keys(self) -> None:
        from immo_connect.tui.screens.accounts.ssh_keys import SshKeysScreen

        self.app.push_screen(SshKeysScreen())

    def action_link_eid(self) -> None:
        from immo_connect.tui.session_flow import open_link_eid

        open_link_eid(self.app)

    def action_show_password_form(self) -> None:
        self.query_one("#account-password-form").remove_class("hidden")
        self.query_one("#account-password-show").add_class("hidden")
        self.query_one("#account-current-password", Input).focus()

    def _save_password(self) -> None:
        call_service(
            self, "account-password", _change_password, self.app, token_of(self.app),
            value_of(self, "account-current-password"), value_of(self, "account-new-password"),
            value_of(self, "account-new-password-confirmation"),
            on_done=self._password_saved, on_error=self._password_refused,
        )

    def _clear(self, *widget_ids: str) -> None:
        for widget_id in widget_ids:
            self.query_one(f"#{widget_id}", Input).value = ""

    def _password_saved(self, ended: int) -> None:
        self._clear(*PASSWORD_FIELDS.values())
        self.query_one("#account-password-form").add_class("hidden")
        self.query_one("#account-password-show").remove_class("hidden")
        self.query_one("#account-password-message", FormMessage).ok(
            _("Your new password is saved.") + " " + ngettext(
                "{count} other session was closed.", "{count} other sessions were closed.", ended,
            ).format(count=ended))
        self.query_one("#account-password-show", Button).focus()

    def _password_refused(self, error: ImmoConnectError) -> None:
        # What was typed stays: the field at fault gets the cursor, its text selected.
        self.query_one("#account-password-message", FormMessage).error(error)
        focus_field(self, error, PASSWORD_FIELDS)

    def _send_email_code(self) -> None:
        call_service(self, "account-email", _request_email, self.app, token_of(self.app),
                     value_of(self, "account-new-email"), value_of(self, "account-email-password"),
                     on_done=self._code_sent, on_error=self._email_refused)

    def _code_sent(self, email: str) -> None:
        self._clear("account-email-password")
        self._email_step(email)
        self.query_one("#account-email-message", FormMessage).ok(
            _("A code was sent to {email}; your current address stays in use until you confirm.").format(email=email))
        self.query_one("#account-email-code", Input).focus()

    def _confirm_email(self) -> None:
        call_service(self, "account-email-confirm", _confirm_email, self.app, token_of(self.app),
                     value_of(self, "account-email-code"), on_done=self._email_changed, on_error=self._email_refused)

    def _email_changed(self, email: str) -> None:
        self._clear("account-email-code", "account-new-email")
        self.query_one("#account-email-message", FormMessage).ok(
            _("Your e-mail address is now {email}. The previous address was informed.").format(email=email))
        self._reload()

    def _email_refused(self, error: ImmoConnectError) -> None:
        self.query_one("#account-email-message", FormMessage).error(error)
        focus_field(self, error, EMAIL_FIELDS)
