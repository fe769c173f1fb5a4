"""« Ajouter une organisation »: search by enterprise number, then create it or ask to join.

Found: "Ajouter cette organisation à votre profil", the user's employee data, "Envoyer la
demande", then the names of the managers who were e-mailed. Not found: the creation form.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer

from immo_connect.errors import ImmoConnectError
from immo_connect.formats.enterprise import format_number
from immo_connect.i18n import N_, _
from immo_connect.organisations.data import STATUS_LABELS, JoinResult, LookupResult
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.org_forms import EmployeeForm, required
from immo_connect.tui.widgets.safe import Button, Input, Label


class AddOrganisationScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "organisations"
    CSS_PATH = "../../styles/organisations.tcss"
    BINDINGS = [Binding("ctrl+f", "focus_number", N_("Enterprise number"), id="org-add-number")]

    def __init__(self) -> None:
        super().__init__()
        self.found: LookupResult | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Add an organisation"))
        with Page(classes="page-body"):
            yield Label(required(_("Enterprise number (10 digits)")))
            with Horizontal(classes="buttons"):
                yield Input(id="add-number", placeholder="0123.456.789")
                yield Button(_("Search"), id="add-search", variant="primary")
            yield FormMessage(id="add-message")
            yield Label("", id="add-found")
            yield Button(_("Create this organisation"), id="add-create", classes="hidden")
            yield Button(_("Add this organisation to your profile"), id="add-join", variant="success",
                         classes="hidden")
            with Page(id="join-form", classes="hidden subform"):
                yield Label(_("Your employee data in this organisation"), classes="section")
                yield EmployeeForm("join", with_type=False)
                yield Button(_("Send the request"), id="join-send", variant="primary")
            yield Label("", id="join-result")
            yield Button(_("Back to my organisations"), id="add-done", classes="hidden")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#add-number", Input).focus()

    def action_focus_number(self) -> None:
        self.query_one("#add-number", Input).focus()

    def _search(self) -> None:
        for widget_id in ("#add-create", "#add-join", "#join-form", "#add-done"):
            self.query_one(widget_id).add_class("hidden")
        self.query_one("#add-found", Label).update("")
        self.query_one("#join-result", Label).update("")
        self.query_one("#add-message", FormMessage).clear()
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "org-lookup", platform.organisations.lookup, actor_of(self.app),
                     self.query_one("#add-number", Input).value, on_done=self._found, on_error=self._failed)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "add-number":
            event.stop()
            self._search()

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#add-message", FormMessage).error(error)

    def _found(self, result: LookupResult) -> None:
        self.found = result
        number = format_number(result.enterprise_number)
        if not result.found:
            self.query_one("#add-found", Label).update(
                _("No organisation with the number {number} was found. You can create it: you will "
                  "become its first manager.").format(number=number))
            create = self.query_one("#add-create", Button)
            create.remove_class("hidden")
            create.focus()
            return
        if result.my_status is not None:
            self.query_one("#add-found", Label).update(
                _("{name} ({number}) is already in your organisations: {status}.").format(
                    name=result.name, number=number, status=_(STATUS_LABELS[result.my_status])))
            return
        self.query_one("#add-found", Label).update(
            _("{name} ({number}) already exists. Ask to join it: a manager will confirm you.").format(
                name=result.name, number=number))
        join = self.query_one("#add-join", Button)
        join.remove_class("hidden")
        join.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id
        if button == "add-search":
            self._search()
        elif button == "add-create" and self.found is not None:
            from immo_connect.tui.screens.organisations.organisation_create import CreateOrganisationScreen

            self.app.switch_screen(CreateOrganisationScreen(self.found.enterprise_number))
        elif button == "add-join":
            self.query_one("#join-form").remove_class("hidden")
            self.query_one("#join-function", Input).focus()
        elif button == "join-send" and self.found is not None:
            platform = self.app.platform  # type: ignore[attr-defined]
            call_service(self, "org-join", platform.organisations.request_to_join, actor_of(self.app),
                         self.found.enterprise_number, self.query_one(EmployeeForm).value(),
                         on_done=self._sent, on_error=self._failed)
        elif button == "add-done":
            self.app.pop_screen()

    def _sent(self, result: JoinResult) -> None:
        self.query_one("#join-form").add_class("hidden")
        self.query_one("#add-join").add_class("hidden")
        self.query_one("#add-message", FormMessage).ok(_("Your request was sent. It is awaiting confirmation."))
        self.query_one("#join-result", Label).update(
            _("The managers of {name} were notified by e-mail: {managers}.").format(
                name=result.organisation_name, managers=", ".join(result.manager_names)))
        done = self.query_one("#add-done", Button)
        done.remove_class("hidden")
        done.focus()
