"""The second step of « Mot de passe oublié ? »: the code from the mail and a new password.

After the change every session of the account is closed and the user signs in again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from textual.widget import Widget

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _
from immo_connect.tui._service import call_service
from immo_connect.tui.widgets.account_forms import FormMessage, focus_field, value_of
from immo_connect.tui.widgets.password_reset_form import PasswordResetForm
from immo_connect.tui.widgets.safe import Input, Label

FIELDS = {"email": "reset-email", "code": "reset-code", "password": "reset-password",
          "password_confirmation": "reset-password-confirmation"}


def _reset(app: Any, email: str, code: str, password: str, confirmation: str) -> None:
    app.platform.accounts.reset_password(email, code, password, confirmation)


class ResetPasswordScreen(PasswordResetForm):
    PREFIX = "reset"

    def heading(self) -> str:
        return _("Enter the code and your new password")

    def fields(self) -> Iterator[Widget]:
        yield Label(_("E-mail address"))
        yield Input(self.email, id="reset-email", max_length=254)
        yield Label(_("Code received by e-mail"))
        yield Input(id="reset-code", max_length=20, placeholder="K7M2QX")
        yield Label(_("New password (at least 8 characters)"))
        yield Input(id="reset-password", password=True, max_length=1024)
        yield Label(_("New password again"))
        yield Input(id="reset-password-confirmation", password=True, max_length=1024)

    def actions(self) -> list[tuple[str, str, Callable[[], None]]]:
        return [(_("Save the new password"), "reset-submit", self.action_submit),
                (_("Send a new code"), "reset-resend", lambda: self.send_code(value_of(self, "reset-email"),
                                                                              self._resent))]

    def on_mount(self) -> None:
        self.query_one("#reset-code" if self.email else "#reset-email", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "reset-password-confirmation":
            self.action_submit()
        else:
            self.focus_next()

    def action_submit(self) -> None:
        self.query_one(FormMessage).update(_("Checking the code…"))
        call_service(
            self, "reset", _reset, self.app, value_of(self, "reset-email"), value_of(self, "reset-code"),
            value_of(self, "reset-password"), value_of(self, "reset-password-confirmation"),
            on_done=self._done, on_error=self._refused,
        )

    def _resent(self, _result: None) -> None:
        self.query_one(FormMessage).ok(_("If an account uses this address, a new code is on its way."))

    def _done(self, _result: None) -> None:
        from immo_connect.tui.session_flow import go_to_login

        self.app.notify(_("Your new password is saved. Sign in with it."), title=_("Password"))
        go_to_login(self.app)

    def _refused(self, error: ImmoConnectError) -> None:
        # What was typed stays: the field at fault gets the cursor, its text selected.
        self.query_one(FormMessage).error(error)
        focus_field(self, error, FIELDS)
