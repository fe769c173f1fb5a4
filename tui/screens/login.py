"""The sign-in screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label

from immo_connect.i18n import _
from immo_connect.tui._service import ServiceHandlers
from immo_connect.tui.widgets.header import AppHeader


class LoginScreen(ServiceHandlers, Screen[None]):
    def compose(self) -> ComposeResult:
        yield AppHeader(_("Sign in"))
        with Vertical(id="login-form", classes="form"):
            yield Label(_("Sign in to Immo-Connect"), classes="title")
            yield Label(_("Username or e-mail address"))
            yield Input(id="login-username")
            yield Label(_("Password"))
            yield Input(id="login-password", password=True)
            yield Button(_("Sign in"), id="login-submit", variant="primary")
            yield Label("", id="login-message", classes="message")
        yield Footer()
