"""Managers give employees access to a registered usage mode (manual 2.2.5 b and 2.2.6 c, d)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.contracts.tools import Role, Tool, UsageMode
from immo_connect.errors import NotFoundError, ValidationError
from immo_connect.i18n import _
from immo_connect.organisations.models import Membership
from immo_connect.recognitions.models import Recognition
from immo_connect.storage import transaction
from immo_connect.tools._base import ServiceBase
from immo_connect.tools._types import (
    BLOCKED,
    NO_USER,
    ROLE_PREFIX,
    AccessSheet,
    AccessStatus,
    EmployeeAccess,
    EmployeeToolAccess,
    MandateOption,
    ModeDetails,
    ToolDetails,
    role_choice,
)
from immo_connect.tools.models import ToolAccess, ToolRegistration


def _status(mode: UsageMode, choice: str, role: Role | None, holds: bool) -> AccessStatus:
    if choice == BLOCKED:
        return "blocked"
    if role is not None:
        return "invalid_recognitions" if role.needs_recognition and not holds else "role"
    if not holds and all(r.needs_recognition for r in mode.roles):
        return "invalid_recognitions"
    return "none"


class AccessMixin(ServiceBase):
    # -- reading ---------------------------------------------------------------------------

    def _employees(
        self, registration: ToolRegistration, mode: UsageMode, memberships: Iterable[Membership]
    ) -> list[EmployeeAccess]:
        members = list(memberships)
        ids = [int(m.account.id) for m in members]
        choices = {
            row.account_id: (BLOCKED if row.state == "blocked" else role_choice(row.role))
            for row in ToolAccess.select().where(ToolAccess.registration == registration.id, ToolAccess.account.in_(ids))
        } if ids else {}
        held = self._platform.recognitions.valid_of(ids, mode.required_recognitions)
        result = []
        for membership in members:
            account: Account = membership.account
            holds = not mode.required_recognitions or bool(held.get(account.id))
            choice = choices.get(account.id, NO_USER)
            role = mode.role(choice.removeprefix(ROLE_PREFIX)) if choice.startswith(ROLE_PREFIX) else None
            if choice.startswith(ROLE_PREFIX) and role is None:
                choice = NO_USER  # the tool no longer offers this role
            result.append(EmployeeAccess(
                account_id=account.id, display_name=account.display_name, username=account.username,
                is_manager=membership.is_manager, membership_status=membership.status, choice=choice,
                role=role, holds_recognition=holds, status=_status(mode, choice, role, holds),
                available_roles=tuple(r for r in mode.roles if holds or not r.needs_recognition),
            ))
        return result

    def _memberships(self, organisation_id: int, account_id: int | None = None) -> list[Membership]:
        query = (
            Membership.select(Membership, Account).join(Account)
            .where(Membership.organisation == organisation_id)
            .order_by(Account.last_name, Account.first_name, Account.id)
        )
        if account_id is not None:
            query = query.where(Membership.account == account_id)
        return list(query)

    def _mandate_option(self, recognition: Recognition, holder: Account) -> MandateOption:
        known = self._platform.recognitions.names().get(recognition.identifier)
        return MandateOption(
            recognition_id=recognition.id, holder_id=holder.id, holder_name=holder.display_name,
            identifier=recognition.identifier, name=known.name if known else recognition.identifier,
            number=recognition.number, valid=recognition.is_valid_on(self._today()),
        )

    def mandate_options(self, organisation_id: int, mode: UsageMode) -> list[MandateOption]:
        """Valid recognitions of active members that the mode accepts."""
        if not mode.required_recognitions:
            return []
        members = {
            int(m.account.id): m.account
            for m in self._memberships(organisation_id) if m.status == "active"
        }
        held = self._platform.recognitions.valid_of(members, mode.required_recognitions)
        return [
            self._mandate_option(row, members[account_id])
            for account_id, rows in held.items() for row in rows
        ]

    def _mandate(self, registration: ToolRegistration, mode: UsageMode) -> MandateOption | None:
        """The registration's mandated recognition, marked invalid when it no longer holds."""
        if registration.mandated_recognition_id is None:
            return None
        row: Recognition | None = Recognition.get_or_none(Recognition.id == registration.mandated_recognition_id)
        if row is None:
            return None
        option = self._mandate_option(row, row.account)
        return option if self._mandate_holds(registration, mode) else dataclasses.replace(option, valid=False)

    def _sheet(self, registration: ToolRegistration, tool: Tool, mode: UsageMode) -> AccessSheet:
        registrant: Account = registration.registered_by
        return AccessSheet(
            registration_id=registration.id, organisation_id=registration.organisation_id,
            tool=tool.name, mode=mode.id, registered_by=registrant.display_name,
            registered_at=registration.registered_at, mandate=self._mandate(registration, mode),
            mandate_options=tuple(self.mandate_options(registration.organisation_id, mode)),
            employees=tuple(self._employees(registration, mode, self._memberships(registration.organisation_id))),
        )

    def _registered(self, organisation_id: int, tool: Tool, mode: UsageMode) -> ToolRegistration:
        registration = self._registration(organisation_id, tool.name, mode.id)
        if registration is None:
            raise NotFoundError(
                _("{tool} is not registered for this organisation in this mode.").format(tool=tool.title),
                hint=_("Register the tool first."), code="not_registered",
            )
        return registration

    def access_sheet(self, actor: Account | int, organisation_id: int, tool_name: str, mode_id: str) -> AccessSheet:
        """The access list of a registered mode; managers only."""
        account = self._actor(actor)
        self._require_member(account, organisation_id, "tool.access", manager=True)
        tool = self.tool(tool_name)
        mode = self._mode(tool, mode_id)
        return self._sheet(self._registered(organisation_id, tool, mode), tool, mode)

    def details(self, actor: Account | int, organisation_id: int, tool_name: str) -> ToolDetails:
        """A tool's page for an active member: each mode, registered or not; managers also
        get the access list of each registered mode."""
        account = self._actor(actor)
        membership = self._require_member(account, organisation_id, "tool.details")
        tool = self.tool(tool_name)
        modes = []
        for mode in tool.modes:
            registration = self._registration(organisation_id, tool.name, mode.id)
            if registration is None:
                modes.append(ModeDetails(mode.id, registered=False))
                continue
            # Only managers see the access list: the others are spared its queries.
            sheet = self._sheet(registration, tool, mode) if membership.is_manager else None
            registrant: Account = registration.registered_by
            modes.append(ModeDetails(
                mode.id, registered=True, registered_by=registrant.display_name,
                registered_at=registration.registered_at,
                mandate=sheet.mandate if sheet else self._mandate(registration, mode), sheet=sheet,
            ))
        return ToolDetails(tool, organisation_id, bool(membership.is_manager), tuple(modes))

    def employee_tools(self, actor: Account | int, organisation_id: int, account_id: int) -> list[EmployeeToolAccess]:
        """Every registered mode of the organisation with one employee's access; managers only."""
        account = self._actor(actor)
        self._require_member(account, organisation_id, "tool.access", manager=True)
        memberships = self._memberships(organisation_id, account_id)
        if not memberships:
            raise NotFoundError(_("This person is not an employee of the organisation."), hint=_("Choose an employee from the list."))
        result = []
        for registration in ToolRegistration.select().where(ToolRegistration.organisation == organisation_id):
            tool = self._platform.plugins.tool(registration.tool)
            mode = tool.mode(registration.mode) if tool else None
            if tool is None or mode is None:
                continue  # the plugin is disabled or dropped the mode: nothing to grant
            access = self._employees(registration, mode, memberships)[0]
            result.append(EmployeeToolAccess(tool.name, tool.title, mode.id, mode.title, access))
        return sorted(result, key=lambda e: (e.tool_title.lower(), e.mode))

    # -- changing --------------------------------------------------------------------------

    def save_access(
        self,
        actor: Account | int,
        organisation_id: int,
        tool_name: str,
        mode_id: str,
        changes: Mapping[int, str],
        *,
        mandated_recognition_id: int | None = None,
    ) -> AccessSheet:
        """Apply the edit mode of the access list at once: per employee ``NO_USER``, ``BLOCKED``
        or ``role_choice(role)``, and optionally another mandated recognition. Managers only;
        nothing changes when one choice is invalid."""
        account = self._actor(actor)
        self._require_member(account, organisation_id, "tool.access", manager=True)
        tool = self.tool(tool_name)
        mode = self._mode(tool, mode_id)
        registration = self._registered(organisation_id, tool, mode)
        self._apply(account, registration, tool, mode, changes, mandated_recognition_id)
        return self._sheet(registration, tool, mode)

    def save_employee_tools(
        self, actor: Account | int, organisation_id: int, account_id: int, choices: Mapping[tuple[str, str], str]
    ) -> list[EmployeeToolAccess]:
        """Set one employee's access to several registered modes, keyed by (tool, mode); managers only."""
        account = self._actor(actor)
        self._require_member(account, organisation_id, "tool.access", manager=True)
        with transaction():
            for (tool_name, mode_id), choice in choices.items():
                tool = self.tool(tool_name)
                mode = self._mode(tool, mode_id)
                registration = self._registered(organisation_id, tool, mode)
                self._apply(account, registration, tool, mode, {account_id: choice}, None)
        return self.employee_tools(account, organisation_id, account_id)

    def _apply(
        self, actor: Account, registration: ToolRegistration, tool: Tool, mode: UsageMode,
        changes: Mapping[int, str], mandated_recognition_id: int | None,
    ) -> None:
        organisation_id = registration.organisation_id
        members = {int(m.account.id): m for m in self._memberships(organisation_id) if int(m.account.id) in changes}
        current = {e.account_id: e for e in self._employees(registration, mode, members.values())}
        planned: dict[int, tuple[str, str]] = {}
        for account_id, choice in changes.items():
            employee = current.get(account_id)
            if employee is None:
                raise ValidationError(
                    _("This person is not an employee of the organisation."),
                    hint=_("Choose an employee from the list."), field=f"access-{account_id}",
                )
            if choice == employee.choice:
                continue
            if choice not in (NO_USER, BLOCKED):
                role = mode.role(choice.removeprefix(ROLE_PREFIX)) if choice.startswith(ROLE_PREFIX) else None
                if role is None:
                    raise ValidationError(
                        _("{tool} offers no such role in this mode.").format(tool=tool.title),
                        hint=_("Choose one of the roles listed."), field=f"access-{account_id}",
                    )
                if role not in employee.available_roles:
                    raise ValidationError(
                        _("{name} does not hold the recognitions the role {role} requires.").format(
                            name=employee.display_name, role=role.title),
                        hint=_("The employee must link an eID card with a valid recognition, or choose a role that needs none."),
                        field=f"access-{account_id}", code="recognition_invalid",
                    )
            planned[account_id] = (employee.choice, choice)
        new_mandate = None
        if mandated_recognition_id is not None and mandated_recognition_id != registration.mandated_recognition_id:
            options = {o.recognition_id: o for o in self.mandate_options(organisation_id, mode)}
            new_mandate = options.get(mandated_recognition_id)
            if new_mandate is None:
                raise ValidationError(
                    _("This recognition cannot be the mandated recognition."),
                    hint=_("Choose a valid recognition of an active employee that this usage mode accepts."),
                    field="mandate", code="mandate_invalid",
                )
        now = self._platform.clock.now()
        target = f"tool:{tool.name}/{mode.id}"
        with transaction():
            for account_id, (before, after) in planned.items():
                ToolAccess.delete().where(
                    ToolAccess.registration == registration.id, ToolAccess.account == account_id
                ).execute()
                if after != NO_USER:
                    ToolAccess.create(
                        registration=registration.id, account=account_id,
                        state="blocked" if after == BLOCKED else "granted",
                        role="" if after == BLOCKED else after.removeprefix(ROLE_PREFIX),
                        changed_by=actor.id, changed_at=now,
                    )
                audit.record(
                    "tool.access_changed", actor_id=actor.id, actor=actor.username,
                    organisation_id=organisation_id, target=target, source=self._platform.source,
                    detail={"account_id": account_id, "from": before, "to": after},
                )
            if new_mandate is not None:
                ToolRegistration.update(mandated_recognition=new_mandate.recognition_id).where(
                    ToolRegistration.id == registration.id
                ).execute()
                registration.mandated_recognition_id = new_mandate.recognition_id
                audit.record(
                    "tool.mandate_changed", actor_id=actor.id, actor=actor.username,
                    organisation_id=organisation_id, target=target, source=self._platform.source,
                    detail={"holder_id": new_mandate.holder_id, "recognition": new_mandate.identifier},
                )
