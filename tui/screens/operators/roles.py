"""« Opérateurs » (admins): who holds which back-office role; give or take a role."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer

from immo_connect.i18n import N_, _
from immo_connect.operators.roles import OperatorRow
from immo_connect.tui._service import call_service
from immo_connect.tui.screens.operators.back_office import actor_of
from immo_connect.tui.screens.operators.desk import OperatorDeskScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import DataTable


class OperatorRolesScreen(OperatorDeskScreen):
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
        yield DataTable(id="bo-operators", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#bo-operators", DataTable).add_columns(_("Username"), _("Name"), _("Role"), _("Given by"))
        self.action_refresh()

    def action_refresh(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "bo-roles", platform.operators.roles.list, actor_of(self), on_done=self._show,
                     on_error=self._failed)

    def _show(self, rows: list[OperatorRow]) -> None:
        self.rows = rows
        table = self.query_one("#bo-operators", DataTable)
        table.clear()
        for row in rows:
            table.add_row(row.username, row.name, row.role, row.granted_by, key=str(row.account_id))

    @property
    def _roles(self) -> Any:
        return self.app.platform.operators.roles  # type: ignore[attr-defined]

    def action_grant(self) -> None:
        self._ask(_("Give an account a back-office role."), _("Give the role"),
                  lambda a: (self._roles.grant, (a["username"], a["role"].strip().lower(), a["reason"])),
                  lambda row: self._done(_("{name} is now {role}.").format(name=row.username, role=row.role)),
                  [("username", _("Username or e-mail address")), ("role", _("helpdesk, finance or admin"))])

    def action_revoke(self) -> None:
        row = self._selected("#bo-operators", self.rows)
        if row is None:
            return
        self._ask(_("Take the role {role} away from {name}?").format(role=row.role, name=row.username),
                  _("Take the role away"), lambda a: (self._roles.revoke, (row.username, a["reason"])),
                  _("{name} has no role any more.").format(name=row.username))
