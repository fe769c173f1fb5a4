"""Edit mode of a registered usage mode (manual 2.2.6 c, d): employees' access and the
mandated recognition. Nothing changes before "Sauvegarder les modifications".

Per employee: "Aucun utilisateur", one of the roles the employee may take, or "Bloquer
l'accès". An employee without the required recognitions is marked "Reconnaissances
invalides" and is offered only the roles that work under the mandated recognition.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import AwaitMount
from textual.widgets import Footer

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.organisations.data import STATUS_LABELS
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.tools._tool_launch import MISSING, status_word
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Label, Select

NO_USER = "none"
BLOCKED = "blocked"


class ToolAccessScreen(ServiceHandlers, WorkspaceScreen[bool]):
    AREA = "tools"
    CSS_PATH = "../../styles/tools.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save the changes"), id="access-save"),
        Binding("escape", "cancel", N_("Cancel"), id="access-cancel"),
    ]

    def __init__(self, tool_name: str, mode_id: str, organisation_id: int) -> None:
        super().__init__()
        self.tool_name = tool_name
        self.mode_id = mode_id
        self.organisation_id = organisation_id
        self.sheet: Any = None

    def compose(self) -> ComposeResult:
        tool = self.app.platform.plugins.tool(self.tool_name)  # type: ignore[attr-defined]
        mode = tool.mode(self.mode_id)
        yield AppHeader(_("Access to {tool}").format(tool=_(tool.title)))
        with Page(classes="tools-page"):
            yield Label(_("{tool} — {mode}: edit mode").format(tool=_(tool.title), mode=_(mode.title)), classes="title")
            yield Label(_("Mandated recognition"), classes="section")
            yield Select[int]([], id="access-mandate", prompt=_("Mandated recognition"), allow_blank=True)
            yield Label("", id="access-mandate-note", classes="hint")
            yield Label(_("Employees"), classes="section")
            yield Vertical(id="access-rows")
            yield FormMessage(id="access-message")
            with Horizontal(classes="buttons"):
                yield Button(_("Save the changes"), id="access-save-button", variant="primary")
                yield Button(_("Cancel"), id="access-cancel-button")
        yield Footer()

    def on_mount(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "access-load", platform.tools.access_sheet, actor_of(self.app), self.organisation_id,
                     self.tool_name, self.mode_id, on_done=self._show, on_error=self._failed)

    def _show(self, sheet: Any) -> None:
        self.sheet = sheet
        mandate = self.query_one("#access-mandate", Select)
        options = [(f"{_(o.name)} — {o.holder_name} ({o.number})", o.recognition_id) for o in sheet.mandate_options]
        mandate.set_options(options)
        note = self.query_one("#access-mandate-note", Label)
        if sheet.mandate is not None and any(o.recognition_id == sheet.mandate.recognition_id for o in sheet.mandate_options):
            mandate.value = sheet.mandate.recognition_id
            note.update(_("Choose another recognition to change the mandate."))
        elif sheet.mandate is not None:
            note.update(f"{MISSING} " + _("The current mandated recognition is no longer valid: choose another one."))
        else:
            mandate.disabled = True
            note.update(_("This usage mode needs no mandated recognition."))
        rows = self.query_one("#access-rows", Vertical)
        rows.remove_children()
        new_rows: list[Horizontal] = []
        for employee in sheet.employees:
            choices = [(_("No user of the tool"), NO_USER)]
            choices += [(_(role.title), f"role:{role.id}") for role in employee.available_roles]
            choices.append((_("Block the access"), BLOCKED))
            role_title = _(employee.role.title) if employee.role else ""
            star = "★ " if employee.is_manager else ""
            membership = "" if employee.membership_status == "active" else \
                f" ({_(STATUS_LABELS.get(employee.membership_status, employee.membership_status))})"
            row = Horizontal(
                Label(f"{star}{employee.display_name}{membership}", classes="access-name"),
                Label(status_word(employee.status, role_title), classes="access-state", id=f"state-{employee.account_id}"),
                Select(choices, value=employee.choice if employee.choice in [v for _l, v in choices] else NO_USER,
                       allow_blank=False, id=f"choice-{employee.account_id}", classes="access-choice"),
                classes="access-row",
            )
            new_rows.append(row)
        # The rows' choices exist once the rows are mounted: focus the first one only then.
        self.call_later(self._focus_first, rows.mount_all(new_rows))

    async def _focus_first(self, mounted: AwaitMount) -> None:
        await mounted
        selects = self.query(".access-choice")
        if selects:
            selects.first().focus()

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#access-message", FormMessage).error(error)

    def _changes(self) -> dict[int, str]:
        changes: dict[int, str] = {}
        for employee in self.sheet.employees:
            value = self.query_one(f"#choice-{employee.account_id}", Select).value
            if isinstance(value, str) and value != employee.choice:
                changes[employee.account_id] = value
        return changes

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "access-save-button":
            self.action_save()
        elif event.button.id == "access-cancel-button":
            self.action_cancel()

    def action_save(self) -> None:
        if self.sheet is None:
            return
        mandate = self.query_one("#access-mandate", Select).value
        current = self.sheet.mandate.recognition_id if self.sheet.mandate else None
        new_mandate = mandate if isinstance(mandate, int) and mandate != current else None
        changes = self._changes()
        if not changes and new_mandate is None:
            self.notify(_("Nothing changed."))
            self.dismiss(False)
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "access-save", platform.tools.save_access, actor_of(self.app), self.organisation_id,
                     self.tool_name, self.mode_id, changes, mandated_recognition_id=new_mandate,
                     on_done=self._saved, on_error=self._failed)

    def _saved(self, _sheet: Any) -> None:
        self.notify(_("The changes are saved."), title=_("Saved"))
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
