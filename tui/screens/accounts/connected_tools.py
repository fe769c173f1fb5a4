"""« Outils connectés » (in the profile): the web tools holding a sign-in, and ending one.

Ending a sign-in makes its tokens stop working at once and tells the tool (back-channel
logout); signing out everywhere, a password change or a block end them all (core rules).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer

from immo_connect import formatting
from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, DataTable, Label
from immo_connect.tui.widgets.table import Column, RecordTable


class ConnectedToolsScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "profile"
    CSS_PATH = "../../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"
    BINDINGS = [Binding("delete", "end", N_("End the sign-in"), id="connected-end", key_display="Suppr")]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Connected tools"))
        with Page(classes="page"):
            yield Label(_("Web tools you are signed in to through Immo-Connect"), classes="title")
            yield RecordTable(Column(_("Tool"), keep=True, max_width=20), Column(_("Organisation"), flex=True),
                              Column(_("Usage mode"), priority=1, max_width=24), Column(_("Role"), priority=2),
                              Column(_("Since"), keep=True), id="connected-table")
            yield Label("", id="connected-empty")
            with Horizontal(classes="buttons"):
                yield Button(_("End the sign-in"), id="connected-end-button")
            yield FormMessage(id="connected-message")
        yield Footer()

    def on_mount(self) -> None:
        self._reload()

    def _reload(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "connected-load", platform.sso.connected_tools, actor_of(self.app), on_done=self._loaded)

    def _loaded(self, rows: list[Any]) -> None:
        from immo_connect.wallet._views import to_local

        self.rows = rows
        table = self.query_one(RecordTable)
        table.set_records((str(index), [row.tool_title, row.organisation_name, row.mode_title, row.role_title,
                                        formatting.date_time(to_local(row.created_at))])
                          for index, row in enumerate(rows))
        self.query_one("#connected-empty", Label).update("" if rows else _("No tool holds a sign-in."))
        self.query_one("#connected-end-button", Button).disabled = not rows
        if rows:
            table.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "connected-end-button":
            self.action_end()

    def action_end(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return
        row = self.rows[table.cursor_row]
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "connected-end", platform.sso.end, actor_of(self.app), row.sign_in_id,
                     on_done=lambda _none: self._ended(row.tool_title),
                     on_error=lambda error: self.query_one(FormMessage).error(error))

    def _ended(self, title: str) -> None:
        self.query_one(FormMessage).ok(_("{tool} is signed out.").format(tool=title))
        self._reload()
