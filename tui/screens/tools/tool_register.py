"""« Enregistrer un outil » (manual 1.2.5): organisation, usage mode, recognitions, terms.

The organisation is chosen with the arrow keys ("Nouvelle organisation" adds one), then the
usage mode (its description and required recognitions are shown), then the recognition
check marks each requirement met or missing in words, then the terms: "Compléter
l'enregistrement" stays disabled until the check passes and the terms are accepted.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, RadioSet

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.tools._tool_launch import MET, MISSING
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.marked_checkbox import MarkedCheckbox
from immo_connect.tui.widgets.safe import Button, Checkbox, Label, RadioButton, Select, Static

NEW_ORGANISATION_SCREEN = "immo_connect.tui.screens.organisations.organisation_add:AddOrganisationScreen"


class ToolRegisterScreen(ServiceHandlers, WorkspaceScreen[bool]):
    AREA = "tools"
    CSS_PATH = "../../styles/tools.tcss"
    BINDINGS = [
        Binding("ctrl+s", "complete", N_("Complete the registration"), id="register-complete"),
        Binding("ctrl+o", "new_organisation", N_("New organisation"), id="register-new-organisation"),
    ]

    def __init__(self, tool_name: str, *, organisation_id: int | None = None, mode_id: str | None = None) -> None:
        super().__init__()
        self.tool_name = tool_name
        self.organisation_id = organisation_id
        self.mode_id = mode_id
        self.check: Any = None
        self.reload_on_resume = False

    def compose(self) -> ComposeResult:
        tool = self.app.platform.plugins.tool(self.tool_name)  # type: ignore[attr-defined]
        self.tool = tool
        self.mode_id = self.mode_id or tool.modes[0].id
        yield AppHeader(_("Register {tool}").format(tool=_(tool.title)))
        with Page(classes="tools-page"):
            yield Label(_("1. With which organisation do you want to use the tool?"), classes="section")
            with Horizontal(classes="row"):
                yield Select[int]([], id="register-organisation", prompt=_("Organisation"), allow_blank=True)
                yield Button(_("New organisation"), id="register-new-organisation-button")
            yield Label(_("Use the arrow keys to switch organisation."), classes="hint")
            yield Label(_("2. How do you want to use the tool?"), classes="section")
            with RadioSet(id="register-mode"):
                for mode in tool.modes:
                    yield RadioButton(_(mode.title), value=mode.id == self.mode_id, id=f"mode-{mode.id}")
            yield Static("", id="register-mode-description")
            yield Label(_("3. Recognitions"), classes="section")
            yield Static("", id="register-requirements")
            yield Select[int]([], id="register-mandate", prompt=_("Mandated recognition"), classes="hidden")
            if tool.terms is not None:
                yield Label(_("4. Terms of use (version {version})").format(version=tool.terms.version), classes="section")
                yield Static(_(tool.terms.text), id="register-terms", classes="terms-text")
                yield MarkedCheckbox(_("I accept the terms of use"), id="register-accept")
            yield FormMessage(id="register-message")
            with Horizontal(classes="buttons"):
                yield Button(_("Complete the registration"), id="register-complete-button", variant="primary", disabled=True)
                yield Button(_("Cancel"), id="register-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self._show_mode()
        self._load_organisations()

    def on_screen_resume(self) -> None:
        if self.reload_on_resume:  # back from "New organisation": it may be in the list now
            self.reload_on_resume = False
            self._load_organisations()

    def _load_organisations(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "register-organisations", platform.tools.organisations_for, actor_of(self.app),
                     on_done=self._organisations_loaded)

    def _organisations_loaded(self, organisations: list[tuple[int, str]]) -> None:
        select = self.query_one("#register-organisation", Select)
        select.set_options([(name, organisation_id) for organisation_id, name in organisations])
        ids = [organisation_id for organisation_id, _name in organisations]
        if not ids:
            self._message(_("You are not an active member of any organisation yet. Add one with \"New organisation\"."))
            self.query_one("#register-new-organisation-button").focus()
            return
        chosen = self.organisation_id if self.organisation_id in ids else ids[0]
        select.value = chosen
        self.organisation_id = chosen
        select.focus()
        self._check()

    def _show_mode(self) -> None:
        mode = self.tool.mode(self.mode_id)
        lines = [_(mode.description), ""]
        known = self.app.platform.recognitions.names()  # type: ignore[attr-defined]
        if mode.required_recognitions:
            lines.append(_("Required recognitions (one of them is enough):"))
            for identifier in mode.required_recognitions:
                kind = known.get(identifier)
                lines.append(f"  • {_(kind.name)} ({_(kind.issuer)})" if kind else f"  • {identifier}")
        else:
            lines.append(_("No recognition is required."))
        lines.append(_("Roles: {roles}").format(roles=", ".join(_(r.title) for r in mode.roles)))
        self.query_one("#register-mode-description", Static).update("\n".join(lines))

    def _check(self) -> None:
        if self.organisation_id is None:
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "register-check", platform.tools.check_registration, actor_of(self.app),
                     self.organisation_id, self.tool_name, self.mode_id, on_done=self._checked,
                     on_error=self._failed)

    def _checked(self, check: Any) -> None:
        self.check = check
        lines = []
        for requirement in check.requirements:
            name = _(requirement.name) + (f" ({_(requirement.issuer)})" if requirement.issuer else "")
            state = f"{MET} " + _("met") if requirement.met else f"{MISSING} " + _("missing")
            lines.append(f"{state} — {name}")
        if not check.requirements:
            lines.append(f"{MET} " + _("This usage mode requires no recognition."))
        elif not check.qualifies:
            lines.append("")
            lines.append(_("You do not hold a recognition this usage mode requires: you cannot register it. "
                           "Link your eID card so your recognitions are fetched, or choose another usage mode."))
        self.query_one("#register-requirements", Static).update("\n".join(lines))
        mandate = self.query_one("#register-mandate", Select)
        candidates = check.mandate_candidates
        mandate.set_options([(_(c.name), c.recognition_id) for c in candidates])
        if candidates:
            mandate.value = candidates[0].recognition_id
        mandate.set_class(len(candidates) < 2, "hidden")
        if check.terms is not None and check.terms_accepted:
            self.query_one("#register-accept", Checkbox).value = True
        self._message(_("{tool} is already registered for this organisation in this usage mode.").format(
            tool=_(self.tool.title)) if check.already_registered else "")
        self._update_button()

    def _failed(self, error: ImmoConnectError) -> None:
        self.check = None
        self._message(str(error))
        self._update_button()

    def _message(self, text: str) -> None:
        """A reason the registration cannot go ahead (marked ✗), or none."""
        message = self.query_one("#register-message", FormMessage)
        if text:
            message.error(text)
        else:
            message.clear()

    def _terms_ok(self) -> bool:
        if self.tool.terms is None:
            return True
        return bool(self.query_one("#register-accept", Checkbox).value)

    def _update_button(self) -> None:
        ready = self.check is not None and self.check.qualifies and not self.check.already_registered and self._terms_ok()
        self.query_one("#register-complete-button", Button).disabled = not ready

    # -- events --------------------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "register-organisation" and isinstance(event.value, int) and event.value != self.organisation_id:
            self.organisation_id = event.value
            self._check()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.mode_id = (event.pressed.id or "mode-").removeprefix("mode-")
        self._show_mode()
        self._check()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._update_button()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "register-complete-button":
            self.action_complete()
        elif event.button.id == "register-new-organisation-button":
            self.action_new_organisation()
        elif event.button.id == "register-cancel":
            self.dismiss(False)

    def action_new_organisation(self) -> None:
        from immo_connect.tui.session_flow import screen_from_path

        screen = screen_from_path(NEW_ORGANISATION_SCREEN)
        if screen is None:
            self.notify(_("Adding an organisation is not available here."), severity="warning")
            return
        self.reload_on_resume = True
        self.app.push_screen(screen)

    def action_complete(self) -> None:
        if self.query_one("#register-complete-button", Button).disabled or self.organisation_id is None:
            return
        mandate = self.query_one("#register-mandate", Select).value
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(
            self, "register-complete", platform.tools.register, actor_of(self.app), self.organisation_id,
            self.tool_name, self.mode_id, recognition_id=mandate if isinstance(mandate, int) else None,
            terms_version=self.tool.terms.version if self.tool.terms is not None else None,
            on_done=self._completed, on_error=self._failed,
        )

    def _completed(self, _registration_id: int) -> None:
        self.notify(_("{tool} is registered. You can start it now.").format(tool=_(self.tool.title)), title=_("Registered"))
        self.dismiss(True)
