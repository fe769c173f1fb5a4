"""« Détails » of a tool (manual 2.2.6 b): long description, support, one tab per usage mode.

Each tab shows the mode's description, the recognitions it requires and its roles; for a
registered mode, who registered it and the mandated recognition, and for managers the
employees' access with "Modifier" (edit mode). An unregistered mode offers "Enregistrer".
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, TabbedContent

from immo_connect import formatting
from immo_connect.i18n import N_, _
from immo_connect.organisations.data import STATUS_LABELS
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.tools._tool_launch import MET, MISSING, NONE_MARK, status_word
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Label, Static, TabPane
from immo_connect.tui.widgets.table import Column, RecordTable
from immo_connect.wallet.texts import euros


class ToolDetailsScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "tools"
    CSS_PATH = "../../styles/tools.tcss"
    BINDINGS = [
        Binding("m", "edit", N_("Edit the access"), id="details-edit"),
        Binding("e", "register", N_("Register"), id="details-register"),
        Binding("s", "start", N_("Start"), id="details-start"),
        Binding("delete", "unregister", N_("Remove the registration"), id="details-unregister"),
    ]

    def __init__(self, tool_name: str, organisation_id: int) -> None:
        super().__init__()
        self.tool_name = tool_name
        self.organisation_id = organisation_id
        self.details: Any = None

    def compose(self) -> ComposeResult:
        platform = self.app.platform  # type: ignore[attr-defined]
        tool = platform.plugins.tool(self.tool_name)
        self.tool = tool
        known = platform.recognitions.names()
        yield AppHeader(_(tool.title))
        with Page(classes="tools-page"):
            yield Label(_(tool.title), classes="title")
            yield Static(_(tool.long_description), id="details-description")
            support = [tool.support.name] + [v for v in (tool.support.email, tool.support.phone, tool.support.website) if v]
            yield Label(_("Support: {contact}").format(contact=" — ".join(support)), id="details-support")
            for price in tool.prices:
                yield Label(_("Price: {action}, {amount} per use (charged to the organisation's wallet)").format(
                    action=_(price.title), amount=euros(price.amount_cents) + " €"), classes="price")
            yield Label(_("Terms of use: version {version}").format(version=tool.terms.version) if tool.terms
                        else _("No terms of use to accept."), id="details-terms")
            with TabbedContent(id="details-modes"):
                for mode in tool.modes:
                    with TabPane(_(mode.title), id=f"tab-{mode.id}"):
                        yield Static(_(mode.description))
                        if mode.required_recognitions:
                            names = [
                                f"  • {_(known[i].name)} ({_(known[i].issuer)})" if i in known else f"  • {i}"
                                for i in mode.required_recognitions
                            ]
                            yield Static("\n".join([_("Required recognitions (one of them is enough):"), *names]))
                        else:
                            yield Static(_("No recognition is required."))
                        yield Static(_("Roles: {roles}").format(roles=", ".join(
                            _(r.title) + ("" if r.needs_recognition else " " + _("(works under the mandated recognition)"))
                            for r in mode.roles)))
                        yield Label("", id=f"state-{mode.id}", classes="section")
                        yield Label("", id=f"mandate-{mode.id}")
                        yield RecordTable(Column(_("Employee"), flex=True), Column(_("Membership"), keep=True),
                                          Column(_("Access"), keep=True), id=f"access-{mode.id}",
                                          zebra_stripes=False, classes="hidden access")
                        with Horizontal(classes="buttons"):
                            yield Button(_("Register"), id=f"register-{mode.id}", classes="hidden")
                            yield Button(_("Edit"), id=f"edit-{mode.id}", classes="hidden")
                            yield Button(_("Remove the registration"), id=f"unregister-{mode.id}",
                                         variant="error", classes="hidden")
        yield Footer()

    def on_mount(self) -> None:
        self._reload()

    def on_screen_resume(self) -> None:
        if self.details is not None:
            self._reload()

    def _reload(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "details-load", platform.tools.details, actor_of(self.app), self.organisation_id,
                     self.tool_name, on_done=self._show)

    def _show(self, details: Any) -> None:
        self.details = details
        self.refresh_bindings()
        for mode in details.modes:
            state = self.query_one(f"#state-{mode.mode}", Label)
            mandate = self.query_one(f"#mandate-{mode.mode}", Label)
            table = self.query_one(f"#access-{mode.mode}", RecordTable)
            self.query_one(f"#register-{mode.mode}").set_class(mode.registered, "hidden")
            self.query_one(f"#edit-{mode.mode}").set_class(not (mode.registered and details.is_manager), "hidden")
            self.query_one(f"#unregister-{mode.mode}").set_class(not (mode.registered and details.is_manager),
                                                                 "hidden")
            table.set_class(mode.sheet is None, "hidden")
            if not mode.registered:
                state.update(f"{NONE_MARK} " + _("Not registered for this organisation."))
                mandate.update("")
                continue
            when = formatting.date(mode.registered_at) if mode.registered_at else ""
            state.update(f"{MET} " + _("Registered by {name} on {date}.").format(name=mode.registered_by, date=when))
            if mode.mandate is None:
                mandate.update(_("No mandated recognition is needed."))
            else:
                validity = f"{MET} " + _("valid") if mode.mandate.valid else f"{MISSING} " + _("no longer valid")
                mandate.update(_("Mandated recognition: {name} of {holder} ({validity})").format(
                    name=_(mode.mandate.name), holder=mode.mandate.holder_name, validity=validity))
            if mode.sheet is not None:
                table.set_records((str(employee.account_id), [
                    f"{'★ ' if employee.is_manager else ''}{employee.display_name}",
                    _(STATUS_LABELS.get(employee.membership_status, employee.membership_status)),
                    status_word(employee.status, _(employee.role.title) if employee.role else ""),
                ]) for employee in mode.sheet.employees)

    def _current_mode(self) -> str:
        active = self.query_one("#details-modes", TabbedContent).active
        return (active or "tab-").removeprefix("tab-")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        kind, _sep, mode = (event.button.id or "").partition("-")
        if kind == "register":
            self._register(mode)
        elif kind == "edit":
            self._edit(mode)
        elif kind == "unregister":
            self._unregister(mode)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "unregister":  # a manager, on the tab of a registered mode
            mode = self._mode(self._current_mode()) if self.is_mounted else None
            return bool(mode is not None and mode.registered and self.details.is_manager)
        return True

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()

    def action_unregister(self) -> None:
        self._unregister(self._current_mode())

    def _unregister(self, mode_id: str) -> None:
        """Ask first: every employee loses the tool in this mode, and registering again needs
        the recognition and the terms again."""
        mode = self._mode(mode_id)
        if mode is None or not mode.registered or not self.details.is_manager:
            return
        from immo_connect.tui.screens.confirm_dialog import ConfirmDialog

        title = next((_(m.title) for m in self.tool.modes if m.id == mode_id), mode_id)

        def answer(yes: bool | None) -> None:
            if yes:
                platform = self.app.platform  # type: ignore[attr-defined]
                call_service(self, "details-unregister", platform.tools.unregister, actor_of(self.app),
                             self.organisation_id, self.tool_name, mode_id, on_done=self._unregistered,
                             on_error=lambda error: self.notify(str(error), severity="error", title=_("Error")))

        self.app.push_screen(ConfirmDialog(
            _("Remove the registration of {tool} ({mode}) from this organisation? Every employee loses "
              "access to it; to use it again, a manager registers it again.").format(
                tool=_(self.tool.title), mode=title),
            _("Yes, remove the registration")), answer)

    def _unregistered(self, _result: None) -> None:
        self.notify(_("The registration was removed."), title=_(self.tool.title))
        self._reload()

    def action_register(self) -> None:
        self._register(self._current_mode())

    def action_edit(self) -> None:
        self._edit(self._current_mode())

    def action_start(self) -> None:
        from immo_connect.tui.screens.tools.quality import QualityScreen

        self.app.push_screen(QualityScreen(self.tool_name, organisation_id=self.organisation_id))

    def _mode(self, mode_id: str) -> Any:
        if self.details is None:
            return None
        return next((m for m in self.details.modes if m.mode == mode_id), None)

    def _register(self, mode_id: str) -> None:
        mode = self._mode(mode_id)
        if mode is None or mode.registered:
            return
        from immo_connect.tui.screens.tools.tool_register import ToolRegisterScreen

        self.app.push_screen(ToolRegisterScreen(self.tool_name, organisation_id=self.organisation_id, mode_id=mode_id))

    def _edit(self, mode_id: str) -> None:
        mode = self._mode(mode_id)
        if mode is None or not mode.registered or not self.details.is_manager:
            self.notify(_("Only a manager can change the access to a registered tool."), severity="warning")
            return
        from immo_connect.tui.screens.tools.tool_access import ToolAccessScreen

        self.app.push_screen(ToolAccessScreen(self.tool_name, mode_id, self.organisation_id))
