"""The eID proposal after signing in (manual 1.1.2 b and 1.2.3), shown until the eID is linked.

"Lier l'eID" opens the eID area's linking screen; "Ignorer" goes on to the home screen
(the proposal comes back at the next sign-in, as the manual says).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen

from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import token_of
from immo_connect.tui.widgets.footer import AppFooter
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Label


def _session_info(app: Any, token: str) -> Any:
    return app.platform.accounts.session_info(token)


def _skip(app: Any, token: str) -> None:
    platform = app.platform
    account = platform.accounts.current(token)
    if hasattr(type(platform), "eid"):  # the eID area records the skip in the audit log
        platform.eid.skip(account)


class EidPromptScreen(ServiceHandlers, Screen[None]):
    CSS_PATH = "../../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"
    BINDINGS = [
        # The same keys as everywhere: ctrl+l links the eID, ctrl+g skips it (as on the
        # linking screen, where a letter would be typed into the PIN); the letters stay too.
        Binding("ctrl+l", "link", N_("Link the eID"), id="eid-prompt-link"),
        Binding("ctrl+g", "skip", N_("Skip for now"), id="eid-prompt-skip"),
        Binding("l", "link", N_("Link the eID"), id="eid-prompt-link-letter", show=False),
        Binding("i", "skip", N_("Skip for now"), id="eid-prompt-skip-letter", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Link the eID"))
        with Page(classes="page"), Vertical(classes="form"):
            yield Label(_("Link your eID to your account"), classes="title")
            yield Label(
                _("Most tools ask for it when you register them, and your professional recognitions "
                  "are fetched only once your eID is linked. You need your card, a card reader and your PIN."),
                classes="intro",
            )
            yield Label(
                _("You may skip this step, but it is not recommended: without a linked eID your "
                  "recognitions cannot be checked. We will ask again at your next sign-in."),
            )
            with Horizontal(classes="buttons"):
                yield Button(_("Link the eID"), id="eid-prompt-link", variant="primary")
                yield Button(_("Skip for now"), id="eid-prompt-skip")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#eid-prompt-link", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "eid-prompt-link":
            self.action_link()
        elif event.button.id == "eid-prompt-skip":
            self.action_skip()

    def on_screen_resume(self) -> None:
        # Back from the linking screen: go on if the eID is now linked.
        call_service(self, "eid-prompt-session", _session_info, self.app, token_of(self.app),
                     on_done=self._checked)

    def _checked(self, signed: Any) -> None:
        from immo_connect.accounts.required import LINK_EID
        from immo_connect.tui.session_flow import continue_after_sign_in

        if LINK_EID not in signed.required_actions:
            continue_after_sign_in(self.app, signed)

    def action_link(self) -> None:
        from immo_connect.tui.session_flow import open_link_eid

        open_link_eid(self.app)

    def action_skip(self) -> None:
        call_service(self, "eid-prompt-skip", _skip, self.app, token_of(self.app),
                     on_done=self._skipped)

    def _skipped(self, _result: None) -> None:
        from immo_connect.accounts.required import LINK_EID
        from immo_connect.tui.session_flow import continue_after_sign_in

        continue_after_sign_in(self.app, self.app.session.without(LINK_EID))  # type: ignore[attr-defined]
