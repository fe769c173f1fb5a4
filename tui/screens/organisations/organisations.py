"""« Mes organisations »: every organisation of the user, with shortcuts.

Managed organisations carry a star and the word "Gestionnaire"; a pending one is dimmed and
says "en attente de confirmation"; waiting join requests put a marker with their number on
the employees shortcut. Nothing here relies on colour alone.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer

from immo_connect.formats.enterprise import format_number
from immo_connect.i18n import N_, _, ngettext
from immo_connect.organisations.data import STATUS_LABELS, OrganisationSummary
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.organisations._org_navigation import open_organisation_screen
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import DataTable, Label

MANAGER_MARK = "★"
REQUESTS_MARK = "●"


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

    def __init__(self) -> None:
        super().__init__()
        self.summaries: dict[int, OrganisationSummary] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader(_("My organisations"))
        yield Label(_("My organisations"), classes="title")
        table: DataTable[Text | str] = DataTable(id="organisations", cursor_type="row", zebra_stripes=True)
        yield table
        yield Label("", id="organisations-empty")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#organisations", DataTable)
        table.add_columns(_("Role"), _("Organisation"), _("Enterprise number"), _("Status"), _("Employees"))
        table.focus()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "organisations", platform.organisations.organisations_of, actor_of(self.app),
                     on_done=self._show)

    def _show(self, summaries: list[OrganisationSummary]) -> None:
        table = self.query_one("#organisations", DataTable)
        current = self._selected()
        table.clear()
        self.summaries = {s.id: s for s in summaries}
        for s in summaries:
            dim = "dim" if not s.usable else ""
            role = Text(f"{MANAGER_MARK} " + _("Manager"), style="bold") if s.is_manager else Text(_("Employee"))
            status = ("⏳ " if s.status == "pending" else "") + _(STATUS_LABELS[s.status])
            if s.pending_requests:
                employees = Text(f"{REQUESTS_MARK} " + ngettext(
                    "{count} request waiting", "{count} requests waiting", s.pending_requests,
                ).format(count=s.pending_requests), style="bold reverse")
            else:
                employees = Text(_("Employees") if s.is_manager else "")
            cells = [role, Text(s.name), Text(format_number(s.enterprise_number)), Text(status), employees]
            for cell in cells:
                cell.stylize(dim)
            table.add_row(*cells, key=str(s.id))
        self.query_one("#organisations-empty", Label).update(
            "" if summaries else _("You belong to no organisation yet. Press A to add one."))
        if current is not None and current.id in self.summaries:
            table.move_cursor(row=table.get_row_index(str(current.id)))

    def _selected(self) -> OrganisationSummary | None:
        table = self.query_one("#organisations", DataTable)
        if not self.summaries or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.summaries.get(int(key)) if key is not None else None

    def _usable(self) -> OrganisationSummary | None:
        selected = self._selected()
        if selected is None:
            self.notify(_("Choose an organisation first."), severity="warning")
            return None
        if not selected.usable:
            self.notify(_("{name} is awaiting confirmation: a manager must confirm you first.").format(
                name=selected.name) if selected.status == "pending" else
                _("Your access to {name} is blocked.").format(name=selected.name), severity="warning")
            return None
        return selected

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_details()

    def action_add(self) -> None:
        from immo_connect.tui.screens.organisations.organisation_add import AddOrganisationScreen

        self.app.push_screen(AddOrganisationScreen())

    def action_details(self) -> None:
        selected = self._usable()
        if selected is not None:
            open_organisation_screen(self, "details", selected.id)

    def action_employees(self) -> None:
        selected = self._usable()
        if selected is None:
            return
        if not selected.is_manager:
            self.notify(_("Only managers see the employees."), severity="warning")
            return
        status = "pending" if selected.pending_requests else None
        open_organisation_screen(self, "employees", selected.id, status=status)

    def action_tools(self) -> None:
        selected = self._usable()
        if selected is not None:
            open_organisation_screen(self, "tools", selected.id)

    def action_wallet(self) -> None:
        selected = self._usable()
        if selected is not None:
            open_organisation_screen(self, "wallet", selected.id)
