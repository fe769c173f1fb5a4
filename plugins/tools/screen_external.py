"""The screen of a tool that runs in its own application (imported by the terminal UI only).

It says honestly what the tool does, under which quality it was started, and where its
own application lives; it does not imitate the tool. For a tool that signs people in
through Immo-Connect it makes the one-time sign-in link (and its QR code): opened in a
browser within two minutes, once, it lands in the tool signed in under this quality.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.qr import QrCode
from immo_connect.tui.widgets.safe import Button, Label, Static


class ExternalToolScreen(ServiceHandlers, Screen[None]):
    """Subclasses set ``TOOL`` to the name of their tool."""

    TOOL = ""
    CSS_PATH = Path(__file__).with_name("external.tcss")  # absolute: subclasses live elsewhere
    BINDINGS = [
        Binding("escape", "close", N_("Close the tool"), id="tool-close"),
        Binding("o", "sign_in_link", N_("Sign-in link"), id="tool-sign-in-link"),
    ]

    def __init__(self, context: Any) -> None:
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        from immo_connect.tui.widgets.header import AppHeader

        tool = self.app.platform.plugins.tool(self.TOOL)  # type: ignore[attr-defined]
        mode = tool.mode(self.context.mode)
        yield AppHeader(_(tool.title))
        with Page(classes="tool-page external-tool"):
            yield Label(_(tool.title), classes="title")
            yield Label(
                _("Working for {organisation} — {mode}.").format(
                    organisation=self.context.organisation_name, mode=_(mode.title) if mode else self.context.mode),
                id="tool-quality",
            )
            yield Static(_(tool.long_description), id="tool-description")
            yield Label(_("This tool opens in its own application:"), classes="section")
            yield Label(tool.website or tool.support.website, id="tool-website", markup=False)
            if self._has_link(tool):
                yield Label(_("Open it signed in under this quality with a one-time sign-in link:"),
                            classes="section")
                yield Button(_("Make a sign-in link"), id="tool-link-button", variant="primary")
                yield Static("", id="tool-link", markup=False)
                yield QrCode(id="tool-link-qr", classes="hidden")
            else:
                yield Label(_("Sign in there with the code it shows, in « Connect a tool »."), id="tool-sign-in-hint")
            yield Label(_("Support: {name} {contact}").format(
                name=tool.support.name, contact=tool.support.email or tool.support.phone or tool.support.website))
            yield Button(_("Close"), id="tool-close-button")
        yield Footer()

    @staticmethod
    def _has_link(tool: Any) -> bool:
        web = getattr(tool, "web_client", None)
        return bool(web is not None and web.initiate_login_uri)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "tool-close-button":
            self.action_close()
        elif event.button.id == "tool-link-button":
            self.action_sign_in_link()

    def action_sign_in_link(self) -> None:
        from immo_connect.tui._service import call_service
        from immo_connect.tui.session_flow import actor_of

        tool = self.app.platform.plugins.tool(self.TOOL)  # type: ignore[attr-defined]
        if not self._has_link(tool):
            return
        call_service(self, "tool-link", self.app.platform.sso.create_link,  # type: ignore[attr-defined]
                     actor_of(self.app), self.context, on_done=self._show_link,
                     on_error=lambda error: self.notify(str(error), severity="error", title=_("Error")))

    def _show_link(self, link: Any) -> None:
        from immo_connect.wallet._views import to_local

        self.query_one("#tool-link", Static).update(
            link.url + "\n" + _("Valid until {time}, for one sign-in. Open it in your browser or scan the code.").format(
                time=to_local(link.expires_at).strftime("%H:%M:%S")))
        qr = self.query_one("#tool-link-qr", QrCode)
        qr.show(link.url)
        qr.remove_class("hidden")

    def action_close(self) -> None:
        self.dismiss(None)
