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

from immo_connect.i18n import _
from immo_connect.organisations.data import EMPLOYEE_TYPES, STATUS_LABELS, EmployeePage, EmployeeRow
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import DataTable, Input, Label, Select

PAGE_SIZE = 50
STATUS_MARKS = {"pending": "⏳", "active": "✓", "blocked": "⛔"}


class EmployeesScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "employees"
    CSS_PATH = "../../styles/organisations.tcss"
    BINDINGS = [
        Binding("a", "add", _("Add"), id="employees-add"),
        Binding("enter", "details", _("See details"), id="employees-details"),
        Binding("n", "next_page", _("Next page"), id="employees-next"),
        Binding("p", "previous_page", _("Previous page"), id="employees-previous"),
        Binding("slash", "focus_filter", _("Filter by name"), id="employees-filter", key_display="/"),
        Binding("r", "refresh", _("Refresh"), id="employees-refresh"),
    ]

    def __init__(self, organisation_id: int, *, status: str | None = None) -> None:
        super().__init__()
        self.organisation_id = organisation_id
        self.status = status
        self.cursors: list[tuple[str, int] | None] = [None]  # the start of each page seen
        self.page: EmployeePage | None = None
        self.rows: dict[int, EmployeeRow] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Employees"))
        with Horizontal(classes="filters"):
            yield Input(id="employees-name", placeholder=_("Filter by name"))
            options = [(_("All statuses"), "all")] + [(_(label), key) for key, label in STATUS_LABELS.items()]
            yield Select(options, id="employees-status", value=self.status or "all", allow_blank=False)
        table: DataTable[Text | str] = DataTable(id="employees", cursor_type="row", zebra_stripes=True)
        yield table
        yield Label("", id="employees-page")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#employees", DataTable)
        table.add_columns(_("Name"), _("Status"), _("Role"), _("Employee type"), _("Function"), _("E-mail"))
        self._load()
        table.focus()

    def on_screen_resume(self) -> None:
        self._load(self.cursors[-1])

    def _load(self, after: tuple[str, int] | None = None) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(
            self, "employees", platform.organisations.list_employees, actor_of(self.app), self.organisation_id,
            name=self.query_one("#employees-name", Input).value, status=self.status, after=after,
            limit=PAGE_SIZE, on_done=self._show,
        )

    def _show(self, page: EmployeePage) -> None:
        self.page = page
        table = self.query_one("#employees", DataTable)
        table.clear()
        self.rows = {row.membership_id: row for row in page.rows}
        for row in page.rows:
            status = Text(f"{STATUS_MARKS[row.status]} {_(STATUS_LABELS[row.status])}",
                          style="bold" if row.status == "pending" else "")
            role = "★ " + _("Manager") if row.is_manager else _("Employee")
            kind = _(EMPLOYEE_TYPES.get(row.employee_type, "")) if row.employee_type else ""
            table.add_row(row.name, status, role, kind, row.function, row.work_email, key=str(row.membership_id))
        number = len(self.cursors)
        more = _(" — N: next page") if page.next_cursor else ""
        back = _(" — P: previous page") if number > 1 else ""
        self.query_one("#employees-page", Label).update(
            (_("Page {number}").format(number=number) + more + back) if page.rows else _("No employee found."))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Next and previous page are offered only when there is such a page."""
        if action == "next_page":
            return self.page is not None and self.page.next_cursor is not None
        if action == "previous_page":
            return len(self.cursors) > 1
        return True

    def _restart(self) -> None:
        self.cursors = [None]
        self._load()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "employees-name":
            event.stop()
            self._restart()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "employees-name":
            event.stop()
            self.query_one("#employees", DataTable).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "employees-status":
            event.stop()
            value = event.value
            self.status = value if isinstance(value, str) and value != "all" else None
            self._restart()

    def action_refresh(self) -> None:
        self._load(self.cursors[-1])

    def action_next_page(self) -> None:
        if self.page is not None and self.page.next_cursor is not None:
            self.cursors.append(self.page.next_cursor)
            self._load(self.page.next_cursor)

    def action_previous_page(self) -> None:
        if len(self.cursors) > 1:
            self.cursors.pop()
            self._load(self.cursors[-1])

    def action_focus_filter(self) -> None:
        self.query_one("#employees-name", Input).focus()

    def _selected(self) -> EmployeeRow | None:
        table = self.query_one("#employees", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
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
