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
            table: DataTable[str] = DataTable(id="tools-table", cursor_type="row", zebra_stripes=True)
            yield table
            yield Label("", id="tools-hint", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(_("Start"), id="tools-start-button", variant="primary")
                yield Button(_("Register"), id="tools-register-button")
                yield Button(_("Details"), id="tools-details-button")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#tools-table", DataTable).add_columns(_("Tool"), _("State"), _("Description"))
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
        table = self.query_one("#tools-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for item in overview:
            table.add_row(_(item.tool.title), self._state(item), _(item.tool.short_description), key=item.tool.name)
        if overview:
            table.move_cursor(row=min(cursor, len(overview) - 1))
            table.focus()
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
        table = self.query_one("#tools-table", DataTable)
        if not self.overview or table.row_count == 0:
            return None
        return self.overview[table.cursor_row]

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
        free = [mode.id for mode in item.tool.modes if mode.id not in item.registered_modes]
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
