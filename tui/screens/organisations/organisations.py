"""« Mes organisations »: every organisation of the user, with shortcuts.

The table (``_org_table.py``, shared with the home dashboard) marks managed organisations
with a star and "Gestionnaire", pending ones in words, and waiting join requests with their
number. Nothing here relies on colour alone.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer

from immo_connect.i18n import N_, _
from immo_connect.organisations.data import OrganisationSummary
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.organisations._org_table import OrganisationsTable
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import DataTable, Label


class MyOrganisationsScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "organisations"
    CSS_PATH = "../../styles/organisations.tcss"
    BINDINGS = [
        Binding("a", "add", N_("Add an organisation"), id="org-add"),
        Binding("enter", "details", N_("See details"), id="org-details"),
        Binding("e", "employees", N_("Employees"), id="org-employees"),
        Binding("o", "tools", N_("Tools"), id="org-tools"),
        Binding("w", "wallet", N_("Wallet"), id="org-wallet"),
        Binding("r", "refresh", N_("Refresh"), id="org-refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield AppHeader(_("My organisations"))
        yield Label(_("My organisations"), classes="title")
        yield OrganisationsTable(id="organisations")
        yield Label("", id="organisations-empty")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#organisations", OrganisationsTable).focus()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "organisations", platform.organisations.organisations_of, actor_of(self.app),
                     on_done=self._show)

    def _show(self, summaries: list[OrganisationSummary]) -> None:
        self.query_one("#organisations", OrganisationsTable).show(summaries)
        self.query_one("#organisations-empty", Label).update(
            "" if summaries else _("You belong to no organisation yet. Press A to add one."))

    def _open(self, kind: str) -> None:
        self.query_one("#organisations", OrganisationsTable).open_selected(kind)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_details()

    def action_add(self) -> None:
        from immo_connect.tui.screens.organisations.organisation_add import AddOrganisationScreen

        self.app.push_screen(AddOrganisationScreen())

    def action_details(self) -> None:
        self._open("details")

    def action_employees(self) -> None:
        self._open("employees")

    def action_tools(self) -> None:
        self._open("tools")

    def action_wallet(self) -> None:
        self._open("wallet")
