"""One account as the back office sees it (never the national number, passwords or codes),
and the helpdesk's actions on it, each asked first with its reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from immo_connect import formatting
from immo_connect.i18n import N_, _
from immo_connect.operators.find import AccountState
from immo_connect.tui._service import call_service
from immo_connect.tui.screens.operators.back_office import STATUS_WORDS, actor_of
from immo_connect.tui.screens.operators.desk import OperatorDeskScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.footer import AppFooter
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Label
from immo_connect.tui.widgets.table import Column, RecordTable

MEMBER_WORDS = {"pending": N_("asked to join"), "active": N_("active"), "blocked": N_("blocked")}


def when(value: dt.datetime | None) -> str:
    return formatting.date_time(value)


class AccountViewScreen(OperatorDeskScreen):
    BINDINGS = [
        Binding("u", "unlock", N_("Unlock"), id="bo-unlock"),
        Binding("a", "resend", N_("Resend the activation code"), id="bo-resend"),
        Binding("e", "add_email", N_("Add the missing e-mail address"), id="bo-add-email"),
        Binding("s", "end_sessions", N_("End the sessions"), id="bo-end-sessions"),
        Binding("k", "remove_key", N_("Remove the selected SSH key"), id="bo-remove-key"),
        Binding("i", "unlink_eid", N_("Unlink the eID"), id="bo-unlink-eid"),
        Binding("b", "block", N_("Block / unblock"), id="bo-block"),
        Binding("g", "reinstate", N_("Make the selected member the manager"), id="bo-reinstate"),
        Binding("r", "refresh", N_("Refresh"), id="bo-refresh"),
    ]

    def __init__(self, account_id: int) -> None:
        super().__init__()
        self.account_id = account_id
        self.state: AccountState | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Back office · account"))
        with VerticalScroll(id="bo-account"):
            for line in ("who", "status", "lock", "eid", "legacy"):
                yield Label("", id=f"bo-{line}", classes="bo-line")
            yield FormMessage(id="bo-message")
            yield Label(_("Sessions"), classes="bo-title")
            yield RecordTable(Column(_("Since"), keep=True), Column(_("Last seen"), keep=True),
                              Column(_("From"), flex=True), Column(_("Restricted"), keep=True),
                              id="bo-sessions", zebra_stripes=False, classes="bo-table")
            yield Label(_("SSH keys"), classes="bo-title")
            yield RecordTable(Column(_("Name"), flex=True), Column(_("Type"), priority=2),
                              Column(_("Fingerprint"), keep=True), Column(_("Last used"), priority=1),
                              id="bo-keys", zebra_stripes=False, classes="bo-table")
            yield Label(_("Organisations"), classes="bo-title")
            yield RecordTable(Column(_("Organisation"), flex=True), Column(_("Enterprise number"), priority=1),
                              Column(_("Status"), keep=True), Column(_("Manager"), keep=True),
                              id="bo-memberships", zebra_stripes=False, classes="bo-table")
        yield AppFooter()

    def on_mount(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "bo-view", platform.operators.view, actor_of(self), self.account_id,
                     on_done=self._show, on_error=self._failed)

    def _show(self, state: AccountState) -> None:
        self.state = state
        self.query_one("#bo-who", Label).update(
            f"{state.first_name} {state.last_name} · {state.username} · {state.email or _('no e-mail address')}")
        status = _("Status: {status} · created {created} · activated {activated} · last sign-in {last}").format(
            status=_(STATUS_WORDS.get(state.status, state.status)), created=when(state.created_at),
            activated=when(state.activated_at), last=when(state.last_sign_in_at))
        if state.operator_role:
            status += " · " + _("operator ({role})").format(role=state.operator_role)
        self.query_one("#bo-status", Label).update(status)
        self.query_one("#bo-lock", Label).update(
            _("Sign-ins wait until {until} ({count} failures in a row)").format(
                until=when(state.locked_until), count=state.failed_sign_ins) if state.locked
            else _("Sign-ins: not locked ({count} recent failures)").format(count=state.failed_sign_ins))
        self.query_one("#bo-eid", Label).update(
            _("eID: linked on {date}").format(date=when(state.eid_linked_at)) if state.eid_linked_at
            else _("eID: not linked"))
        legacy = ", ".join(f"{row.tool} ({row.legacy_username}, {when(row.imported_at)})" for row in state.legacy_logins)
        if state.legacy_password_waiting:
            legacy += " · " + _("the earlier tool's password still works until the first sign-in")
        self.query_one("#bo-legacy", Label).update(_("Earlier tools: {list}").format(list=legacy or "—"))
        self.query_one("#bo-sessions", RecordTable).set_records(
            (str(row.id), [when(row.created_at), when(row.last_seen_at), row.source or "—",
                           _("yes") if row.restricted else _("no")]) for row in state.sessions)
        self.query_one("#bo-keys", RecordTable).set_records(
            (str(key.id), [key.name, key.algorithm, key.fingerprint, when(key.last_used_at)])
            for key in state.ssh_keys)
        self.query_one("#bo-memberships", RecordTable).set_records(
            (str(member.id), [member.organisation, member.enterprise_number,
                              _(MEMBER_WORDS.get(member.status, member.status)),
                              _("yes") if member.is_manager else _("no")]) for member in state.memberships)

    @property
    def _helpdesk(self) -> Any:
        return self.app.platform.operators.help  # type: ignore[attr-defined]

    def _who(self) -> str:
        return self.state.username if self.state is not None else str(self.account_id)

    def action_unlock(self) -> None:
        self._ask(_("Lift the wait after failed sign-ins of {name}?").format(name=self._who()), _("Unlock"),
                  lambda a: (self._helpdesk.unlock, (self.account_id, a["reason"])), _("Unlocked; the owner is told by mail."))

    def action_resend(self) -> None:
        self._ask(_("Send {name} a new activation code? The previous one stops working.").format(name=self._who()),
                  _("Send the code"), lambda a: (self._helpdesk.resend_activation, (self.account_id, a["reason"])),
                  _("A new activation code was sent."))

    def action_add_email(self) -> None:
        self._ask(_("Give {name} the e-mail address the person gave you? The activation code goes there.").format(
            name=self._who()), _("Add the address"),
            lambda a: (self._helpdesk.add_email, (self.account_id, a["email"], a["reason"])),
            _("Address added; the activation code was sent there."), [("email", _("E-mail address"))])

    def action_end_sessions(self) -> None:
        self._ask(_("End every session of {name} (terminal and tools)?").format(name=self._who()),
                  _("End the sessions"), lambda a: (self._helpdesk.end_sessions, (self.account_id, a["reason"])),
                  _("Sessions ended; the owner is told by mail."))

    def action_remove_key(self) -> None:
        key = self._selected("#bo-keys", self.state.ssh_keys if self.state else [])
        if key is None:
            return
        self._ask(_("Remove the SSH key \"{key}\" ({fingerprint}) of {name}?").format(
            key=key.name, fingerprint=key.fingerprint, name=self._who()), _("Remove the key"),
            lambda a: (self._helpdesk.remove_ssh_key, (self.account_id, key.id, a["reason"])), _("Key removed."))

    def action_unlink_eid(self) -> None:
        self._ask(_("Unlink the eID card of {name}? Only at the holder's request (manual 3.3).").format(
            name=self._who()), _("Unlink the eID"),
            lambda a: (self._helpdesk.unlink_eid, (self.account_id, a["reason"])), _("eID unlinked; the owner is told."))

    def action_block(self) -> None:
        blocked = self.state is not None and self.state.status == "blocked"
        status = "active" if blocked else "blocked"
        question = (_("Unblock {name}?") if blocked else _("Block {name}? Every session ends at once.")).format(
            name=self._who())
        self._ask(question, _("Unblock") if blocked else _("Block"),
                  lambda a: (self._helpdesk.set_status, (self.account_id, status, a["reason"])), _("Done."))

    def action_reinstate(self) -> None:
        member = self._selected("#bo-memberships", self.state.memberships if self.state else [])
        if member is None:
            return
        self._ask(_("Make {name} the manager of {organisation}, which has none left? Every member is told.").format(
            name=self._who(), organisation=member.organisation), _("Make manager"),
            lambda a: (self._helpdesk.reinstate_manager, (member.organisation_id, member.id, a["reason"])),
            _("{name} is now a manager.").format(name=self._who()))
