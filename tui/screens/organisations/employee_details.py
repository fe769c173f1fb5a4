"""The details of one employee: « Modifier les données », « Bloquer », « Supprimer »,
« Activer » for a blocked one, « Confirmer » for a request, the manager rights and the
wallet right (``immo_connect.wallet.rights``; the core checks it on every wallet call).

Blocking and deleting ask first; the default answer is no.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _
from immo_connect.organisations.data import EMPLOYEE_TYPES, STATUS_LABELS, EmployeeRow
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.confirm_dialog import ConfirmDialog
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.org_forms import EmployeeForm
from immo_connect.tui.widgets.safe import Button, Label, Select, Static
from immo_connect.wallet.rights import RIGHTS, right_label


class EmployeeDetailsScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "employees"
    CSS_PATH = "../../styles/organisations.tcss"
    BINDINGS = [
        Binding("m", "edit", _("Edit the data"), id="employee-edit"),
        Binding("b", "block", _("Block"), id="employee-block"),
        Binding("d", "delete", _("Delete"), id="employee-delete"),
        Binding("a", "activate", _("Activate"), id="employee-activate"),
        Binding("c", "confirm", _("Confirm"), id="employee-confirm"),
        Binding("g", "toggle_manager", _("Grant or revoke manager rights"), id="employee-manager"),
        Binding("ctrl+s", "save", _("Save the changes"), id="employee-save"),
        Binding("w", "save_wallet_right", _("Save the wallet right"), id="employee-wallet-right"),
        Binding("escape", "cancel", _("Back"), id="employee-back"),
    ]

    def __init__(self, organisation_id: int, membership_id: int) -> None:
        super().__init__()
        self.organisation_id, self.membership_id = organisation_id, membership_id
        self.row: EmployeeRow | None = None
        self.editing = False

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Employee details"))
        with Page(classes="page-body"):
            yield Static("", id="employee-view", classes="readonly")
            with Horizontal(classes="buttons", id="employee-buttons"):
                yield Button(_("Confirm"), id="employee-confirm-button", variant="success")
                yield Button(_("Activate"), id="employee-activate-button", variant="success")
                yield Button(_("Edit the data"), id="employee-edit-button")
                yield Button(_("Block"), id="employee-block-button", variant="warning")
                yield Button(_("Delete"), id="employee-delete-button", variant="error")
                yield Button("", id="employee-manager-button")
            with Horizontal(classes="buttons", id="employee-wallet"):
                yield Label(_("Wallet right"), classes="field-label")
                yield Select([(right_label(r), r) for r in RIGHTS], id="employee-wallet-right",
                             allow_blank=False, value=RIGHTS[0])
                yield Button(_("Save the wallet right"), id="employee-wallet-save")
            with Page(id="employee-editor", classes="hidden subform"):
                yield EmployeeForm("edit")
                with Horizontal(classes="buttons"):
                    yield Button(_("Save the changes"), id="employee-save-button", variant="primary")
                    yield Button(_("Cancel"), id="employee-cancel-button")
            yield FormMessage(id="employee-message")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    def on_screen_resume(self) -> None:
        self._load()

    def _call(self, key: str, function_name: str, *args: object, success: str = "",
              then: Callable[[], None] | None = None) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        function = getattr(platform.organisations, function_name)

        def done(row: EmployeeRow) -> None:
            self._show(row)
            if then is not None:
                then()
            if success:
                self._done(success)

        call_service(self, key, function, actor_of(self.app), self.organisation_id, self.membership_id, *args,
                     on_done=done, on_error=self._failed)

    def _load(self) -> None:
        self._call("employee", "employee", then=self._load_wallet_right)

    def _load_wallet_right(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "employee-wallet", platform.wallet.employee_right, actor_of(self.app),
                     self.organisation_id, self.membership_id, on_done=self._show_wallet_right,
                     on_error=self._failed)

    def _show_wallet_right(self, right: str) -> None:
        select = self.query_one("#employee-wallet-right", Select)
        select.value = right
        # A manager always manages the wallet: nothing to choose.
        manager = self.row is not None and self.row.is_manager
        select.disabled = manager
        self.query_one("#employee-wallet-save", Button).display = not manager

    def action_save_wallet_right(self) -> None:
        if self.row is None or self.row.is_manager or self.editing:
            return
        right = self.query_one("#employee-wallet-right", Select).value
        platform = self.app.platform  # type: ignore[attr-defined]

        def saved(now: str) -> None:
            self._show_wallet_right(now)
            self._done(_("The wallet right was saved: {right}.").format(right=right_label(now)))

        call_service(self, "employee-wallet-save", platform.wallet.set_employee_right, actor_of(self.app),
                     self.organisation_id, self.membership_id, str(right), on_done=saved,
                     on_error=self._failed)

    def _show(self, row: EmployeeRow) -> None:
        self.row = row
        kind = _(EMPLOYEE_TYPES[row.employee_type]) if row.employee_type in EMPLOYEE_TYPES else "—"
        roles = ", ".join(f"{tool}: {role}" for tool, role in row.tool_access.items()) or _("No user")
        lines = [
            f"[b]{row.name}[/b] ({row.username})",
            f"{_('Status')}: {_(STATUS_LABELS[row.status])}",
            f"{_('Role')}: " + ("★ " + _("Manager") if row.is_manager else _("Employee")),
            f"{_('Employee type')}: {kind}", f"{_('Function')}: {row.function or '—'}",
            f"{_('Work e-mail address')}: {row.work_email or '—'}",
            f"{_('Work phone')}: {row.work_phone or '—'}", f"{_('Work mobile')}: {row.work_mobile or '—'}",
            f"{_('Tool access requested at confirmation')}: {roles}",
        ]
        self.query_one("#employee-view", Static).update("\n".join(lines))
        visible = {
            "employee-confirm-button": row.status == "pending",
            "employee-activate-button": row.status == "blocked",
            "employee-block-button": row.status != "blocked",
            "employee-manager-button": row.status == "active",
        }
        for widget_id, show in visible.items():
            self.query_one(f"#{widget_id}").set_class(not show, "hidden")
        self.query_one("#employee-manager-button", Button).label = (
            _("Revoke manager rights") if row.is_manager else _("Make manager"))
        self.refresh_bindings()

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#employee-message", FormMessage).error(error)
        if error.code in ("employee_not_found", "forbidden"):
            self.notify(str(error), severity="error")

    def _done(self, text: str) -> None:
        self.query_one("#employee-message", FormMessage).ok(text)

    def _set_editing(self, editing: bool) -> None:
        self.editing = editing
        self.refresh_bindings()
        self.query_one("#employee-editor").set_class(not editing, "hidden")
        self.query_one("#employee-buttons").set_class(editing, "hidden")
        if not editing:  # never leave the focus in a hidden field
            self.query_one("#employee-edit-button").focus()

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers only what acts now: saving while editing, the rest otherwise."""
        row, viewing = self.row, self.row is not None and not self.editing
        available = {
            "save": self.editing,
            "edit": viewing,
            "delete": viewing,
            "block": viewing and row is not None and row.status != "blocked",
            "activate": viewing and row is not None and row.status == "blocked",
            "confirm": viewing and row is not None and row.status == "pending",
            "toggle_manager": viewing and row is not None and row.status == "active",
        }
        return available.get(action, True)

    def action_edit(self) -> None:
        if self.row is None or self.editing:
            return
        self.query_one(EmployeeForm).load(self.row)
        self._set_editing(True)
        self.query_one("#edit-function").focus()

    def action_save(self) -> None:
        if self.editing:
            # The form closes once the changes are stored: refused, it stays open with what
            # the user typed, beside the message saying what to correct.
            self._call("employee-save", "update_employee", self.query_one(EmployeeForm).value(),
                       success=_("The changes were saved."), then=lambda: self._set_editing(False))

    def action_cancel(self) -> None:
        if self.editing:
            self._set_editing(False)
        else:
            self.app.pop_screen()

    def action_block(self) -> None:
        if self.row is None or self.row.status == "blocked" or self.editing:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._call("employee-block", "block", success=_("The employee is blocked."))

        self.app.push_screen(ConfirmDialog(
            _("Block {name}? They will no longer be able to work for the organisation.").format(
                name=self.row.name), _("Yes, continue to block")), answer)

    def action_delete(self) -> None:
        if self.row is None or self.editing:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                platform = self.app.platform  # type: ignore[attr-defined]
                call_service(self, "employee-delete", platform.organisations.remove, actor_of(self.app),
                             self.organisation_id, self.membership_id, on_done=self._deleted,
                             on_error=self._failed)

        self.app.push_screen(ConfirmDialog(
            _("Delete {name} from the organisation?").format(name=self.row.name),
            _("Yes, continue to delete")), answer)

    def _deleted(self, _result: object) -> None:
        self.app.notify(_("The employee was deleted from the organisation."))
        self.app.pop_screen()

    def action_activate(self) -> None:
        if self.row is not None and self.row.status == "blocked" and not self.editing:
            self._call("employee-activate", "activate", success=_("The employee is active again."))

    def action_confirm(self) -> None:
        if self.row is not None and self.row.status == "pending" and not self.editing:
            from immo_connect.tui.screens.organisations.employee_confirm import ConfirmEmployeeScreen

            self.app.push_screen(ConfirmEmployeeScreen(self.organisation_id, self.membership_id))

    def action_toggle_manager(self) -> None:
        if self.row is None or self.row.status != "active" or self.editing:
            return
        grant = not self.row.is_manager

        def answer(yes: bool | None) -> None:
            if yes:
                self._call("employee-manager", "set_manager", grant, success=_("The manager rights were changed."))

        question = (_("Give {name} manager rights? They will manage the employees, the tools and the wallet.")
                    if grant else _("Remove the manager rights of {name}?"))
        self.app.push_screen(ConfirmDialog(
            question.format(name=self.row.name),
            _("Yes, grant the rights") if grant else _("Yes, remove the rights")), answer)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "employee-confirm-button": self.action_confirm, "employee-activate-button": self.action_activate,
            "employee-edit-button": self.action_edit, "employee-block-button": self.action_block,
            "employee-delete-button": self.action_delete, "employee-manager-button": self.action_toggle_manager,
            "employee-save-button": self.action_save, "employee-cancel-button": self.action_cancel,
            "employee-wallet-save": self.action_save_wallet_right,
        }
        if event.button.id in actions:
            actions[event.button.id]()
