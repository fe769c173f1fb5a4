"""« Mot de passe oublié ? »: ask for a reset code by e-mail.

The answer is the same whether or not an account uses the address; the next screen takes
the code and the new password.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from textual.widget import Widget

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.password_reset_form import PasswordResetForm
from immo_connect.tui.widgets.safe import Input, Label


class ForgotPasswordScreen(PasswordResetForm):
    PREFIX = "forgot"

    def heading(self) -> str:
        return _("Choose a new password")

    def fields(self) -> Iterator[Widget]:
        yield Label(
            _("Enter the e-mail address of your account. We send a code there; with it you "
              "choose a new password on the next screen."),
            classes="intro",
        )
        yield Label(_("E-mail address"))
        yield Input(self.email, id="forgot-email", max_length=254)

    def actions(self) -> list[tuple[str, str, Callable[[], None]]]:
        return [(_("Send the code"), "forgot-submit", self.action_submit),
                (_("I already have a code"), "forgot-have-code", self._to_reset)]

    def on_mount(self) -> None:
        self.query_one("#forgot-email", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        self.send_code(self.query_one("#forgot-email", Input).value, self._requested)

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
