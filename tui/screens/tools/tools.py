"""« Outils » of an organisation (manual 2.2.6): registered tools with "Démarrer", the others
with "Enregistrer", each with its short description; "Détails" opens the tool's page."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer

from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.tools._tool_launch import MET, NONE_MARK
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, DataTable, Label, Select
from immo_connect.tui.widgets.table import Column, RecordTable


def _load(platform: Any, actor: int, organisation_id: int | None) -> tuple[list[tuple[int, str]], int | None, list[Any]]:
    organisations = platform.tools.organisations_for(actor)
    ids = [organisation for organisation, _name in organisations]
    if organisation_id not in ids:
        organisation_id = ids[0] if ids else None
    overview = platform.tools.overview(actor, organisation_id) if organisation_id is not None else []
    return organisations, organisation_id, overview


class ToolsScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "tools"
    CSS_PATH = "../../styles/tools.tcss"
    BINDINGS = [
        Binding("s", "start", N_("Start"), id="tools-start"),
        Binding("e", "register", N_("Register"), id="tools-register"),
        Binding("d", "details", N_("Details"), id="tools-details"),
        Binding("o", "focus_organisation", N_("Change organisation"), id="tools-organisation"),
    ]

    def __init__(self, organisation_id: int | None = None) -> None:
        super().__init__()
        self.organisation_id = organisation_id
        self.overview: list[Any] = []

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Tools"))
        with Vertical(classes="tools-page"):
            yield Select[int]([], id="tools-organisation-select", prompt=_("Organisation"), allow_blank=True)
            yield RecordTable(Column(_("Tool"), keep=True, max_width=24), Column(_("State"), keep=True),
                              Column(_("Description"), flex=True), id="tools-table")
            yield Label("", id="tools-hint", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(_("Start"), id="tools-start-button", variant="primary")
                yield Button(_("Register"), id="tools-register-button")
                yield Button(_("Details"), id="tools-details-button")
        yield Footer()

    def on_mount(self) -> None:
        self._reload()

    def on_screen_resume(self) -> None:
        if self.overview:
            self._reload()

    def _reload(self) -> None:
        call_service(self, "tools-load", _load, self.app.platform, actor_of(self.app), self.organisation_id,  # type: ignore[attr-defined]
                     on_done=self._show)

    def _show(self, result: tuple[list[tuple[int, str]], int | None, list[Any]]) -> None:
        organisations, organisation_id, overview = result
        self.organisation_id, self.overview = organisation_id, overview
        select = self.query_one("#tools-organisation-select", Select)
        with self.prevent(Select.Changed):
            select.set_options([(name, ident) for ident, name in organisations])
            if organisation_id is not None:
                select.value = organisation_id
        table = self.query_one("#tools-table", RecordTable)
        table.set_records((item.tool.name, [_(item.tool.title), self._state(item), _(item.tool.short_description)])
                          for item in overview)
        if overview:
            table.focus()
        self.refresh_bindings()
        self.query_one("#tools-hint", Label).update(
            _("Enter: start a registered tool or register it — D: details — O: another organisation")
            if organisation_id is not None else
            _("You are not an active member of any organisation: add one from \"My organisations\"."))

    @staticmethod
    def _state(item: Any) -> str:
        if item.usable_modes:
            return f"{MET} " + _("Registered — Start")
        if item.registered:
            return f"{MET} " + _("Registered (no access yet)")
        return f"{NONE_MARK} " + _("Not registered — Register")

    def _selected(self) -> Any | None:
        if not self.is_mounted:
            return None
        key = self.query_one("#tools-table", RecordTable).selected_key()
        return next((item for item in self.overview if item.tool.name == key), None)

    @staticmethod
    def _free_modes(item: Any) -> list[str]:
        return [mode.id for mode in item.tool.modes if mode.id not in item.registered_modes]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The keys the selected tool allows: start a registered one, register a mode still
        free, the details of any."""
        item = self._selected() if action in ("start", "register", "details") else None
        if action == "start":
            return item is not None and bool(item.registered)
        if action == "register":
            return item is not None and self.organisation_id is not None and bool(self._free_modes(item))
        if action == "details":
            return item is not None
        return True

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.refresh_bindings()

    # -- events and actions -------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, int) and event.value != self.organisation_id:
            self.organisation_id = event.value
            self._reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        item = self._selected()
        if item is None:
            return
        if item.usable_modes:
            self.action_start()
        elif not item.registered:
            self.action_register()
        else:
            self.action_details()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"tools-start-button": self.action_start, "tools-register-button": self.action_register,
                   "tools-details-button": self.action_details}
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    def action_focus_organisation(self) -> None:
        self.query_one("#tools-organisation-select", Select).focus()

    def action_start(self) -> None:
        item = self._selected()
        if item is None:
            return
        if not item.registered:
            self.notify(_("Register the tool first."), severity="warning")
            return
        from immo_connect.tui.screens.tools.quality import QualityScreen

        self.app.push_screen(QualityScreen(item.tool.name, organisation_id=self.organisation_id))

    def action_register(self) -> None:
        item = self._selected()
        if item is None or self.organisation_id is None:
            return
        free = self._free_modes(item)
        if not free:
            self.notify(_("Every usage mode of this tool is already registered."), severity="information")
            return
        from immo_connect.tui.screens.tools.tool_register import ToolRegisterScreen

        self.app.push_screen(ToolRegisterScreen(item.tool.name, organisation_id=self.organisation_id, mode_id=free[0]))

    def action_details(self) -> None:
        item = self._selected()
        if item is None or self.organisation_id is None:
            return
        from immo_connect.tui.screens.tools.tool_details import ToolDetailsScreen

        self.app.push_screen(ToolDetailsScreen(item.tool.name, self.organisation_id))
