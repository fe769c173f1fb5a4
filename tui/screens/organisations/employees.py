"""« Employés » (managers): every employee with status, a filter by name and status, pages.

Pages come from the database in name order (keyset paging), so a large organisation opens
as fast as a small one. Statuses are written out in words.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer

from immo_connect.i18n import N_, _
from immo_connect.organisations.data import EMPLOYEE_TYPES, STATUS_LABELS, EmployeePage, EmployeeRow
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.pager import Pager
from immo_connect.tui.widgets.safe import DataTable, Input, Label, Select
from immo_connect.tui.widgets.table import Column, RecordTable

PAGE_SIZE = 50
STATUS_MARKS = {"pending": "⏳", "active": "✓", "blocked": "⛔"}


class EmployeesScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "employees"
    CSS_PATH = "../../styles/organisations.tcss"
    BINDINGS = [
        Binding("a", "add", N_("Add"), id="employees-add"),
        Binding("enter", "details", N_("See details"), id="employees-details"),
        Binding("n", "next_page", N_("Next page"), id="employees-next"),
        Binding("p", "previous_page", N_("Previous page"), id="employees-previous"),
        Binding("slash", "focus_filter", N_("Filter by name"), id="employees-filter", key_display="/"),
        Binding("r", "refresh", N_("Refresh"), id="employees-refresh"),
    ]

    def __init__(self, organisation_id: int, *, status: str | None = None) -> None:
        super().__init__()
        self.organisation_id = organisation_id
        self.status = status
        self.pager: Pager[tuple[str, int]] = Pager()
        self.page: EmployeePage | None = None
        self.rows: dict[int, EmployeeRow] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Employees"))
        with Horizontal(classes="filters"):
            yield Input(id="employees-name", placeholder=_("Filter by name"))
            options = [(_("All statuses"), "all")] + [(_(label), key) for key, label in STATUS_LABELS.items()]
            yield Select(options, id="employees-status", value=self.status or "all", allow_blank=False)
        # The name and the status always show; the function (typed by the person) takes the rest.
        yield RecordTable(Column(_("Name"), keep=True, max_width=30), Column(_("Status"), keep=True),
                          Column(_("Role"), priority=1), Column(_("Employee type"), priority=3),
                          Column(_("Function"), flex=True), Column(_("E-mail"), priority=2, max_width=30),
                          id="employees")
        yield Label("", id="employees-page")
        yield Footer()

    def on_mount(self) -> None:
        self._load()
        self.query_one("#employees", RecordTable).focus()

    def on_screen_resume(self) -> None:
        self._load(self.pager.current)

    def _load(self, after: tuple[str, int] | None = None) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(
            self, "employees", platform.organisations.list_employees, actor_of(self.app), self.organisation_id,
            name=self.query_one("#employees-name", Input).value, status=self.status, after=after,
            limit=PAGE_SIZE, on_done=self._show,
        )

    def _show(self, page: EmployeePage) -> None:
        self.page = page
        self.pager.shown(page.next_cursor)
        self.rows = {row.membership_id: row for row in page.rows}
        self.query_one("#employees", RecordTable).set_records(
            (str(row.membership_id), self._cells(row)) for row in page.rows)
        self.query_one("#employees-page", Label).update(
            " — ".join(self.pager.describe()) if page.rows else _("No employee found."))
        self.refresh_bindings()

    @staticmethod
    def _cells(row: EmployeeRow) -> list[Text | str]:
        status = Text(f"{STATUS_MARKS[row.status]} {_(STATUS_LABELS[row.status])}",
                      style="bold" if row.status == "pending" else "")
        role = "★ " + _("Manager") if row.is_manager else _("Employee")
        kind = _(EMPLOYEE_TYPES.get(row.employee_type, "")) if row.employee_type else ""
        return [row.name, status, role, kind, row.function, row.work_email]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Next and previous page only when there is such a page; details only on a row."""
        paging = self.pager.allows(action)
        if paging is not None:
            return paging
        if action == "details":
            return bool(self.rows)
        return True

    def _restart(self) -> None:
        self.pager.restart()
        self._load()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "employees-name":
            event.stop()
            self._restart()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "employees-name":
            event.stop()
            self.query_one("#employees", RecordTable).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "employees-status":
            event.stop()
            value = event.value
            self.status = value if isinstance(value, str) and value != "all" else None
            self._restart()

    def action_refresh(self) -> None:
        self._load(self.pager.current)

    def action_next_page(self) -> None:
        if self.pager.forward():
            self._load(self.pager.current)

    def action_previous_page(self) -> None:
        if self.pager.back():
            self._load(self.pager.current)

    def action_focus_filter(self) -> None:
        self.query_one("#employees-name", Input).focus()

    def _selected(self) -> EmployeeRow | None:
        key = self.query_one("#employees", RecordTable).selected_key()
        return self.rows.get(int(key)) if key is not None else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_details()

    def action_details(self) -> None:
        row = self._selected()
        if row is None:
            return
        from immo_connect.tui.screens.organisations.employee_details import EmployeeDetailsScreen

        self.app.push_screen(EmployeeDetailsScreen(self.organisation_id, row.membership_id))

    def action_add(self) -> None:
        from immo_connect.tui.screens.organisations.employee_add import AddEmployeeScreen

        self.app.push_screen(AddEmployeeScreen(self.organisation_id))
