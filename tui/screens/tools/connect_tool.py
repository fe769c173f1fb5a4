"""« Connecter un outil »: approve (or refuse) a tool's sign-in by the code it shows.

The person types the code, sees which tool asks and what it will learn, is reminded to
approve only a code they asked for themselves (RFC 8628 §5.4), picks the quality as at any
tool start (the quality selection screen, in choosing mode) and approves; the tool's page
continues by itself. The rules (rate limit on wrong codes, the start check, the eID
requirement) are the core's (``platform.sso``).
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
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import WARNING_MARK, FormMessage
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Input, Label, Static


class ConnectToolScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "tools"
    CSS_PATH = "../../styles/tools.tcss"
    BINDINGS = [
        Binding("ctrl+r", "refuse", N_("Refuse"), id="connect-refuse"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.request: Any = None
        self.code = ""

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Connect a tool"))
        with Page(classes="tools-page"):
            yield Label(_("Type the code the tool shows on its web page:"), classes="title")
            with Horizontal(classes="buttons"):
                yield Input(id="connect-code", placeholder="ABCD-EFGH", max_length=20)
                yield Button(_("Continue"), id="connect-find", variant="primary")
            yield FormMessage(id="connect-message")
            with Vertical(id="connect-request", classes="hidden"):
                yield Static("", id="connect-tool", markup=False)
                yield Static("", id="connect-learns", markup=False)
                yield Static(f"{WARNING_MARK} " + _(
                    "Approve only a code you asked for yourself, on the tool's own page. "
                    "Someone who sends you a code is trying to sign in as you."), id="connect-warning", markup=False)
                with Horizontal(classes="buttons"):
                    yield Button(_("Choose the quality and approve"), id="connect-approve", variant="primary")
                    yield Button(_("Refuse"), id="connect-refuse-button")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#connect-code", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_find()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"connect-find": self.action_find, "connect-approve": self.action_approve,
                   "connect-refuse-button": self.action_refuse}
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    # -- finding the request -------------------------------------------------------------------

    def action_find(self) -> None:
        self.code = self.query_one("#connect-code", Input).value
        self.query_one("#connect-message", FormMessage).clear()
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "connect-find", platform.sso.find_request, actor_of(self.app), self.code,
                     on_done=self._found, on_error=self._failed)

    def _found(self, request: Any) -> None:
        self.request = request
        self.query_one("#connect-tool", Static).update(
            _("{tool} asks to sign you in (code {code}).").format(tool=request.tool_title, code=request.user_code))
        learns = "\n".join(f"  • {text}" for text in request.learns)
        eid = ("\n" + _("This tool requires your eID to be linked.")) if request.requires_eid else ""
        self.query_one("#connect-learns", Static).update(_("It will learn:") + "\n" + learns + eid)
        self.query_one("#connect-request").remove_class("hidden")
        if not request.qualities:
            self.query_one("#connect-message", FormMessage).error(
                _("You cannot use {tool} in any quality yet.").format(tool=request.tool_title))
        self.query_one("#connect-approve", Button).disabled = not request.qualities
        self.query_one("#connect-approve", Button).focus()

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#connect-message", FormMessage).error(error)

    # -- answering -------------------------------------------------------------------------------

    def action_approve(self) -> None:
        if self.request is None:
            return
        from immo_connect.tui.screens.tools.quality import QualityScreen

        self.app.push_screen(QualityScreen(self.request.tool, choose_only=True), self._chosen)

    def _chosen(self, quality: Any) -> None:
        if quality is None:
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "connect-approve", platform.sso.approve, actor_of(self.app), self.code,
                     quality.organisation_id, quality.mode, on_done=lambda _id: self._approved(quality),
                     on_error=lambda error: self._not_approved(error, quality))

    def _approved(self, quality: Any) -> None:
        self.query_one("#connect-request").add_class("hidden")
        self.query_one("#connect-message", FormMessage).ok(
            _("{tool} is signed in for {organisation}; its page continues by itself.").format(
                tool=self.request.tool_title, organisation=quality.organisation_name))
        self.request = None
        self.query_one("#connect-code", Input).value = ""

    def _not_approved(self, error: ImmoConnectError, quality: Any) -> None:
        if error.code == "terms_not_accepted":
            from immo_connect.tui.screens.tools.tool_terms import TermsDialog

            def accepted(version: str | None) -> None:
                if version is None:
                    return
                platform = self.app.platform  # type: ignore[attr-defined]
                call_service(self, "connect-terms", platform.tools.accept_terms, actor_of(self.app),
                             quality.tool, version, on_done=lambda _result: self._chosen(quality))

            self.app.push_screen(TermsDialog(quality.tool), accepted)
            return
        self._failed(error)

    def action_refuse(self) -> None:
        if self.request is None:
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "connect-refuse", platform.sso.refuse, actor_of(self.app), self.code,
                     on_done=lambda _none: self._refused(), on_error=self._failed)

    def _refused(self) -> None:
        self.query_one("#connect-request").add_class("hidden")
        self.query_one("#connect-message", FormMessage).ok(
            _("Refused: {tool} is not signed in.").format(tool=self.request.tool_title))
        self.request = None
        self.query_one("#connect-code", Input).value = ""
