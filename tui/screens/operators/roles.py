"""« Opérateurs » (admins): who holds which back-office role; give or take a role."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.operators.roles import OperatorRow
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.operators.back_office import actor_of
from immo_connect.tui.screens.operators.reason_dialog import ReasonDialog
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import DataTable
from immo_connect.tui.widgets.table import Column, RecordTable


class OperatorRolesScreen(ServiceHandlers, Screen[None]):
    CSS_PATH = "../../styles/operators.tcss"
    BINDINGS = [
        Binding("a", "grant", N_("Give a role"), id="bo-grant"),
        Binding("delete", "revoke", N_("Take the role away"), id="bo-revoke", key_display="Suppr"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[OperatorRow] = []

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Back office · operators"))
        yield FormMessage(id="bo-message")
        yield RecordTable(Column(_("Username"), keep=True, max_width=24), Column(_("Name"), flex=True),
                          Column(_("Role"), keep=True), Column(_("Given by"), priority=1, max_width=24),
                          id="bo-operators")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_list()

    def refresh_list(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "bo-roles", platform.operators.roles.list, actor_of(self), on_done=self._show,
                     on_error=self._failed)

    def _show(self, rows: list[OperatorRow]) -> None:
        self.rows = rows
        self.query_one("#bo-operators", RecordTable).set_records(
            (str(row.account_id), [row.username, row.name, row.role, row.granted_by]) for row in rows)

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#bo-message", FormMessage).error(error)

    def _done(self, text: str) -> None:
        self.query_one("#bo-message", FormMessage).ok(text)
        self.refresh_list()

    def action_grant(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]

        def answered(answer: dict[str, str] | None) -> None:
            if answer is not None:
                call_service(self, "bo-act", platform.operators.roles.grant, actor_of(self), answer["username"],
                             answer["role"].strip().lower(), answer["reason"], on_done=lambda row: self._done(
                                 _("{name} is now {role}.").format(name=row.username, role=row.role)),
                             on_error=self._failed)

        self.app.push_screen(ReasonDialog(_("Give an account a back-office role."), _("Give the role"),
                                          [("username", _("Username or e-mail address")),
                                           ("role", _("helpdesk, finance or admin"))]), answered)

    def action_revoke(self) -> None:
        if not self.rows:
            return
        table = self.query_one("#bo-operators", DataTable)
        row = self.rows[min(max(table.cursor_row, 0), len(self.rows) - 1)]
        platform = self.app.platform  # type: ignore[attr-defined]

        def answered(answer: dict[str, str] | None) -> None:
            if answer is not None:
                call_service(self, "bo-act", platform.operators.roles.revoke, actor_of(self), row.username,
                             answer["reason"],
                             on_done=lambda _r: self._done(_("{name} has no role any more.").format(name=row.username)),
                             on_error=self._failed)

        self.app.push_screen(ReasonDialog(_("Take the role {role} away from {name}?").format(
            role=row.role, name=row.username), _("Take the role away")), answered)
