"""The frame both steps of « Mot de passe oublié ? » share: the header, one form with its
title, its fields, its buttons ending with « Back to sign in », and its message line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.footer import AppFooter
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Label


def request_code(app: Any, email: str) -> None:
    app.platform.accounts.request_password_reset(email)


class PasswordResetForm(ServiceHandlers, Screen[None]):
    # Relative to each step's own module (tui/screens/accounts/), as Textual reads it.
    CSS_PATH = "../../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"
    PREFIX = ""  # the ids of the step's widgets: <prefix>-back, <prefix>-message

    def __init__(self, email: str = "") -> None:
        super().__init__()
        self.email = email

    def heading(self) -> str:
        raise NotImplementedError

    def fields(self) -> Iterator[Widget]:
        raise NotImplementedError

    def actions(self) -> list[tuple[str, str, Callable[[], None]]]:
        """The step's own buttons, the first one the main action: (label, id, what it does)."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Forgot your password?"))
        with Page(classes="page"), Vertical(classes="form"):
            yield Label(self.heading(), classes="title")
            yield from self.fields()
            with Horizontal(classes="buttons"):
                for index, (label, button_id, _action) in enumerate(self.actions()):
                    yield Button(label, id=button_id, variant="primary" if index == 0 else "default")
                yield Button(_("Back to sign in"), id=f"{self.PREFIX}-back")
            yield FormMessage(id=f"{self.PREFIX}-message")
        yield AppFooter()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == f"{self.PREFIX}-back":
            self.app.pop_screen()
            return
        for _label, button_id, action in self.actions():
            if event.button.id == button_id:
                action()

    def send_code(self, email: str, on_done: Callable[[None], None]) -> None:
        call_service(self, "forgot", request_code, self.app, email, on_done=on_done, on_error=self._refused)

    def _refused(self, error: ImmoConnectError) -> None:
        raise NotImplementedError

