"""« Créer un compte » (manual 1.2.1): names, proposed username, e-mail, password, terms.

The username follows the names until the user edits it. A shared address (info@, vente@…)
gets a warning, not a refusal. A taken username offers free variants as buttons; a known
e-mail address offers the way back to sign in or to "Mot de passe oublié ?".
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen

from immo_connect import i18n
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.widgets.account_forms import WARNING_MARK, FormMessage, focus_field, value_of
from immo_connect.tui.widgets.footer import AppFooter
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.marked_checkbox import MarkedCheckbox
from immo_connect.tui.widgets.safe import Button, Checkbox, Input, Label

FIELDS = {
    "first_name": "register-first-name", "last_name": "register-last-name", "username": "register-username",
    "email": "register-email", "password": "register-password",
    "password_confirmation": "register-password-confirmation", "accept_terms": "register-terms",
}


def _register(app: Any, values: dict[str, Any]) -> Any:
    from immo_connect.accounts.registration import Registration

    return app.platform.accounts.register(Registration(**values))


class RegisterScreen(ServiceHandlers, Screen[None]):
    CSS_PATH = "../../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"
    BINDINGS = [
        Binding("ctrl+s", "submit", N_("Create the account"), id="register-submit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.username_edited = False
        self._proposed = ""

    def compose(self) -> ComposeResult:
        terms = self.app.settings.platform.terms_version  # type: ignore[attr-defined]
        yield AppHeader(_("Create an account"))
        with Page(classes="page"), Vertical(classes="form"):
            yield Label(_("Create your Immo-Connect account"), classes="title")
            yield Label(_("Write your first and last name as on your identity card."), classes="intro")
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(_("First name"))
                    yield Input(id="register-first-name", max_length=100)
                with Vertical():
                    yield Label(_("Last name"))
                    yield Input(id="register-last-name", max_length=100)
            yield Label(_("Username (at least 6 characters; proposed from your names)"))
            yield Input(id="register-username", max_length=64)
            yield Horizontal(id="register-suggestions", classes="suggestions hidden")
            yield Label(_("Personal e-mail address"))
            yield Input(id="register-email", max_length=254)
            yield Label("", id="register-email-warning", classes="warning")
            yield Label(_("Password (at least 8 characters)"))
            yield Input(id="register-password", password=True, max_length=1024)
            yield Label(_("Password again"))
            yield Input(id="register-password-confirmation", password=True, max_length=1024)
            yield MarkedCheckbox(_("I accept the terms of use (version {version})").format(version=terms), id="register-terms")
            with Horizontal(classes="buttons"):
                yield Button(_("Create the account"), id="register-submit", variant="primary")
                yield Button(_("Back to sign in"), id="register-back")
            yield FormMessage(id="register-message")
            with Horizontal(id="register-known", classes="links hidden"):
                yield Button(_("Go to sign in"), id="register-to-login")
                yield Button(_("Forgot your password?"), id="register-to-forgot")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#register-first-name", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        input_id = event.input.id
        if input_id in ("register-first-name", "register-last-name") and not self.username_edited:
            from immo_connect.accounts.registration import propose_username

            first, last = value_of(self, "register-first-name"), value_of(self, "register-last-name")
            self._proposed = propose_username(first, last) if (first or last) else ""
            self.query_one("#register-username", Input).value = self._proposed
        elif input_id == "register-username" and event.value != self._proposed:
            self.username_edited = True
        elif input_id == "register-email":
            from immo_connect.accounts.validation import role_address_warning

            warning = role_address_warning(event.value)
            self.query_one("#register-email-warning", Label).update(f"{WARNING_MARK} {warning}" if warning else "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        event.stop()
        if button == "register-submit":
            self.action_submit()
        elif button in ("register-back", "register-to-login"):
            self.app.pop_screen()
        elif button == "register-to-forgot":
            from immo_connect.tui.screens.accounts.forgot_password import ForgotPasswordScreen

            email = value_of(self, "register-email")
            self.app.pop_screen()
            self.app.push_screen(ForgotPasswordScreen(email=email))
        elif button.startswith("register-suggestion-"):
            self.username_edited = True
            self.query_one("#register-username", Input).value = str(event.button.label)
            self.query_one("#register-suggestions").add_class("hidden")
            self.query_one("#register-submit", Button).focus()

    def action_submit(self) -> None:
        values = {
            "first_name": value_of(self, "register-first-name"),
            "last_name": value_of(self, "register-last-name"),
            "username": value_of(self, "register-username"),
            "email": value_of(self, "register-email"),
            "password": value_of(self, "register-password"),
            "password_confirmation": value_of(self, "register-password-confirmation"),
            "accept_terms": self.query_one("#register-terms", Checkbox).value,
            # The account starts in the language of the screen it was created from.
            "language": i18n.get_language(),
        }
        self.query_one(FormMessage).update(_("Creating your account…"))
        self.query_one("#register-submit", Button).disabled = True
        call_service(self, "register", _register, self.app, values, on_done=self._created, on_error=self._refused)

    def _created(self, signed: Any) -> None:
        from immo_connect.tui.session_flow import continue_after_sign_in

        self.query_one("#register-submit", Button).disabled = False
        continue_after_sign_in(self.app, signed)

    def _refused(self, error: ImmoConnectError) -> None:
        self.query_one("#register-submit", Button).disabled = False
        self.query_one(FormMessage).error(error)
        self.query_one("#register-known").set_class(error.code != "email_taken", "hidden")
        suggestions = self.query_one("#register-suggestions", Horizontal)
        suggestions.remove_children()
        names = list(getattr(error, "suggestions", []) or [])
        suggestions.set_class(not names, "hidden")
        if names:
            suggestions.mount(Label(_("Free:")))
            suggestions.mount_all(
                Button(name, id=f"register-suggestion-{i}", compact=True) for i, name in enumerate(names)
            )
        focus_field(self, error, FIELDS)
