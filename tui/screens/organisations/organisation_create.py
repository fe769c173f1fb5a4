"""Creating an organisation: its data (required fields marked *), then the creator's own
employee data at the bottom. The creator becomes the first manager."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer

from immo_connect.errors import ImmoConnectError
from immo_connect.formats.enterprise import format_number
from immo_connect.i18n import N_, _
from immo_connect.organisations.models import Organisation
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.org_forms import EmployeeForm, OrganisationForm
from immo_connect.tui.widgets.safe import Button, Label


class CreateOrganisationScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "organisations"
    CSS_PATH = "../../styles/organisations.tcss"
    BINDINGS = [Binding("ctrl+s", "create", N_("Create the organisation"), id="org-create")]

    def __init__(self, enterprise_number: str) -> None:
        super().__init__()
        self.enterprise_number = enterprise_number

    def compose(self) -> ComposeResult:
        yield AppHeader(_("New organisation"))
        with Page(classes="page-body"):
            yield Label(_("Enterprise number: {number}").format(number=format_number(self.enterprise_number)),
                        classes="title")
            yield Label(_("Fields marked with * are required."))
            yield OrganisationForm()
            yield Label(_("Your employee data in this organisation"), classes="section")
            yield EmployeeForm("creator")
            yield FormMessage(id="create-message")
            yield Button(_("Create the organisation"), id="create-submit", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#org-name").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "create-submit":
            self.action_create()

    def action_create(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(
            self, "org-create", platform.organisations.create, actor_of(self.app),
            self.query_one(OrganisationForm).value(), self.query_one(EmployeeForm).value(),
            enterprise_number=self.enterprise_number, on_done=self._created, on_error=self._failed,
        )

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#create-message", FormMessage).error(error)
        if error.field:
            widget_id = {"address.street": "org-address0-street", "address.number": "org-address0-number",
                         "address.postal_code": "org-address0-postal_code", "address.city": "org-address0-city",
                         "legal_form": "org-legal-form", "function": "creator-function",
                         "work_email": "creator-email", "work_phone": "creator-phone"}.get(
                             error.field, f"org-{error.field}")
            matches = self.query(f"#{widget_id}")
            if matches:
                matches.first().focus()

    def _created(self, organisation: Organisation) -> None:
        self.app.notify(_("{name} was created; you are its manager.").format(name=organisation.name),
                        title=_("Organisation created"))
        self.app.pop_screen()
