"""Adding an employee who already has an account: by e-mail address or username, the profile
is shown, « Ajouter à l'organisation », then the employee data, manager or not, tool access."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.organisations.data import STATUS_LABELS, AccountProfile, EmployeeRow
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.tools._tool_choices import Entry, save_tool_choices, tool_entries
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.marked_checkbox import MarkedCheckbox
from immo_connect.tui.widgets.org_forms import EmployeeForm, ToolAccessForm
from immo_connect.tui.widgets.safe import Button, Checkbox, Input, Label


class AddEmployeeScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "employees"
    CSS_PATH = "../../styles/organisations.tcss"
    BINDINGS = [Binding("ctrl+s", "save", N_("Add to the organisation"), id="add-employee-save")]

    def __init__(self, organisation_id: int) -> None:
        super().__init__()
        self.organisation_id = organisation_id
        self.profile: AccountProfile | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Add an employee"))
        with Page(classes="page-body", id="add-employee-body"):
            yield Label(_("E-mail address or username of the person *"))
            with Horizontal(classes="buttons"):
                yield Input(id="add-employee-identifier")
                yield Button(_("Search"), id="add-employee-search", variant="primary")
            yield Label("", id="add-employee-profile")
            yield Button(_("Add to the organisation"), id="add-employee-add", variant="success", classes="hidden")
            with Page(id="add-employee-form", classes="hidden subform"):
                yield EmployeeForm("new")
                yield MarkedCheckbox(_("Manager of the organisation"), id="add-employee-manager")
                yield Button(_("Save"), id="add-employee-submit", variant="primary")
            yield FormMessage(id="add-employee-message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#add-employee-identifier", Input).focus()

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#add-employee-message", FormMessage).error(error)

    def _search(self) -> None:
        self.query_one("#add-employee-message", FormMessage).clear()
        self.query_one("#add-employee-add").add_class("hidden")
        self.query_one("#add-employee-form").add_class("hidden")
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "add-employee-find", platform.organisations.find_account, actor_of(self.app),
                     self.organisation_id, self.query_one("#add-employee-identifier", Input).value,
                     on_done=self._found, on_error=self._failed)

    def _found(self, profile: AccountProfile) -> None:
        self.profile = profile
        text = f"{profile.name} — {profile.username} — {profile.email}"
        if profile.already_member:
            text += "\n" + _("Already in the organisation: {status}.").format(
                status=_(STATUS_LABELS[profile.already_member]))
        self.query_one("#add-employee-profile", Label).update(text)
        if not profile.already_member:
            button = self.query_one("#add-employee-add")
            button.remove_class("hidden")
            button.focus()

    def _open_form(self) -> None:
        if self.profile is None:
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        actor, account_id = actor_of(self.app), self.profile.account_id

        def entries() -> list[Entry]:
            try:
                return tool_entries(platform, actor, self.organisation_id, account_id)
            except ImmoConnectError:
                return []  # not yet a member: tool access is set after adding

        call_service(self, "add-employee-tools", entries, on_done=self._show_form)

    def _show_form(self, entries: list[Entry]) -> None:
        form = self.query_one("#add-employee-form")
        for old in self.query(ToolAccessForm):
            old.remove()
        form.mount(ToolAccessForm(entries), before=self.query_one("#add-employee-submit"))
        form.remove_class("hidden")
        self.query_one("#new-function", Input).focus()

    def action_save(self) -> None:
        if self.profile is None or self.query_one("#add-employee-form").has_class("hidden"):
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        actor = actor_of(self.app)
        identifier, account_id = self.profile.username, self.profile.account_id
        employee = self.query_one(EmployeeForm).value()
        is_manager = self.query_one("#add-employee-manager", Checkbox).value
        forms = self.query(ToolAccessForm)
        choices = forms.first().value() if forms else {}

        def add() -> EmployeeRow:
            row: EmployeeRow = platform.organisations.add_existing(
                actor, self.organisation_id, identifier, employee, is_manager=is_manager, tool_access=choices)
            save_tool_choices(platform, actor, self.organisation_id, account_id, choices)
            return row

        call_service(self, "add-employee-save", add, on_done=self._added, on_error=self._failed)

    def _added(self, row: EmployeeRow) -> None:
        self.app.notify(_("{name} was added to the organisation.").format(name=row.name))
        self.app.pop_screen()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "add-employee-identifier":
            event.stop()
            self._search()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "add-employee-search":
            self._search()
        elif event.button.id == "add-employee-add":
            self._open_form()
        elif event.button.id == "add-employee-submit":
            self.action_save()
