"""Confirming a join request: review and edit the employee data, set the employee type and
the manager rights, grant tool roles at once ("Pas d'utilisateur" by default) and the wallet
right (none by default), or block."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.organisations.data import EmployeeRow
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.confirm_dialog import ConfirmDialog
from immo_connect.tui.screens.tools._tool_choices import tool_entries, tool_modes
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.marked_checkbox import MarkedCheckbox
from immo_connect.tui.widgets.org_forms import EmployeeForm, ToolAccessForm
from immo_connect.tui.widgets.safe import Button, Checkbox, Label, Select
from immo_connect.wallet.rights import RIGHT_NONE, RIGHTS, right_label


class ConfirmEmployeeScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "employees"
    CSS_PATH = "../../styles/organisations.tcss"
    BINDINGS = [
        Binding("ctrl+s", "confirm", N_("Confirm the employee"), id="confirm-employee"),
        Binding("ctrl+b", "block", N_("Block instead"), id="confirm-block"),
    ]

    def __init__(self, organisation_id: int, membership_id: int) -> None:
        super().__init__()
        self.organisation_id, self.membership_id = organisation_id, membership_id
        self.row: EmployeeRow | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Confirm an employee"))
        with Page(classes="page-body", id="confirm-body"):
            yield Label("", id="confirm-who", classes="title")
            yield EmployeeForm("confirm")
            yield MarkedCheckbox(_("Manager of the organisation"), id="confirm-manager")
            yield Label(_("Wallet right"), classes="field-label")
            yield Select([(right_label(r), r) for r in RIGHTS], id="confirm-wallet-right",
                         allow_blank=False, value=RIGHT_NONE)
            yield FormMessage(id="confirm-message")
            with Horizontal(classes="buttons"):
                yield Button(_("Confirm"), id="confirm-submit", variant="success")
                yield Button(_("Block"), id="confirm-block-button", variant="error")
        yield Footer()

    def on_mount(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "confirm-load", platform.organisations.employee, actor_of(self.app),
                     self.organisation_id, self.membership_id, on_done=self._show, on_error=self._failed)

    def _show(self, row: EmployeeRow) -> None:
        self.row = row
        self.query_one("#confirm-who", Label).update(
            _("{name} ({username}) asks to join the organisation.").format(name=row.name, username=row.username))
        self.query_one(EmployeeForm).load(row)
        self.query_one("#confirm-function").focus()
        platform = self.app.platform  # type: ignore[attr-defined]
        # Tool access comes from the tools area, in its own call: the confirmation never waits on it.
        call_service(self, "confirm-tools", tool_entries, platform, actor_of(self.app), self.organisation_id,
                     row.account_id, on_done=self._show_tools, on_error=self._no_tools)

    def _show_tools(self, entries: list[Any]) -> None:
        self.query_one("#confirm-body").mount(ToolAccessForm(entries), before=self.query_one("#confirm-message"))

    def _no_tools(self, error: ImmoConnectError) -> None:
        self._show_tools([])
        self._failed(error)

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#confirm-message", FormMessage).error(error)

    def action_confirm(self) -> None:
        if self.row is None:
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        actor = actor_of(self.app)
        employee = self.query_one(EmployeeForm).value()
        is_manager = self.query_one("#confirm-manager", Checkbox).value
        forms = self.query(ToolAccessForm)
        choices = forms.first().value() if forms else {}
        wallet_right = str(self.query_one("#confirm-wallet-right", Select).value)

        # One call, one transaction: the membership, its tool access and its wallet right together.
        call_service(self, "confirm-save", platform.organisations.confirm, actor, self.organisation_id,
                     self.membership_id, employee=employee, is_manager=is_manager, tool_access=choices,
                     tool_modes=tool_modes(choices), wallet_right=wallet_right,
                     on_done=self._confirmed, on_error=self._failed)

    def _confirmed(self, row: EmployeeRow) -> None:
        self.app.notify(_("{name} is confirmed and was told by e-mail.").format(name=row.name))
        self.app.pop_screen()

    def action_block(self) -> None:
        if self.row is None:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                platform = self.app.platform  # type: ignore[attr-defined]
                call_service(self, "confirm-block", platform.organisations.block, actor_of(self.app),
                             self.organisation_id, self.membership_id, on_done=self._blocked,
                             on_error=self._failed)

        self.app.push_screen(ConfirmDialog(
            _("Block {name} instead of confirming?").format(name=self.row.name), _("Yes, continue to block")),
            answer)

    def _blocked(self, row: EmployeeRow) -> None:
        self.app.notify(_("{name} is blocked.").format(name=row.name))
        self.app.pop_screen()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm-submit":
            self.action_confirm()
        elif event.button.id == "confirm-block-button":
            self.action_block()
