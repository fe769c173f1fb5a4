"""Managing the employees of an organisation: list, confirm, block, activate, remove, add.

Every call names the organisation and is refused unless the actor is one of its active
managers. The last-manager rule: an organisation always keeps at least one active manager,
so the last one cannot be blocked, removed or lose the manager rights.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping

import peewee

from immo_connect.accounts.models import Account
from immo_connect.errors import ConflictError, NotFoundError, ValidationError
from immo_connect.i18n import _
from immo_connect.organisations import _notify
from immo_connect.organisations._access import AccessBase, ActorRef
from immo_connect.organisations.data import (
    STATUS_LABELS,
    AccountProfile,
    EmployeeData,
    EmployeePage,
    EmployeeRow,
    check_tool_access,
    sort_name,
)
from immo_connect.organisations.models import (
    MEMBERSHIP_STATUSES,
    Membership,
    Organisation,
)
from immo_connect.storage import on_commit

MAX_PAGE = 200


def employee_row(membership: Membership, account: Account) -> EmployeeRow:
    return EmployeeRow(
        membership_id=membership.id, account_id=account.id, name=account.display_name,
        username=str(account.username), status=str(membership.status),
        is_manager=bool(membership.is_manager), employee_type=str(membership.employee_type),
        function=str(membership.function), work_email=str(membership.work_email),
        work_phone=str(membership.work_phone), work_mobile=str(membership.work_mobile),
        tool_access=membership.tool_roles, created_at=membership.created_at,
        confirmed_at=membership.confirmed_at, blocked_at=membership.blocked_at,
        sort_name=str(membership.sort_name),
    )


def apply_employee_data(membership: Membership, data: EmployeeData) -> None:
    membership.function = data.function
    membership.work_email = data.work_email
    membership.work_phone = data.work_phone
    membership.work_mobile = data.work_mobile
    membership.employee_type = data.employee_type


def account_sort_name(account: Account) -> str:
    return sort_name(str(account.first_name), str(account.last_name), str(account.username))


class EmployeeActions(AccessBase):
    # -- reading ----------------------------------------------------------------------------------

    def list_employees(
        self,
        actor: ActorRef,
        organisation_id: int,
        *,
        name: str = "",
        status: str | None = None,
        after: tuple[str, int] | None = None,
        limit: int = 50,
    ) -> EmployeePage:
        """One page of employees ordered by name, straight from the (organisation, name) index.

        ``name`` filters on last name, first name and username (accents and case ignored);
        pass the previous page's ``next_cursor`` as ``after`` for the next page.
        """
        if status is not None and status not in MEMBERSHIP_STATUSES:
            raise ValidationError(
                _("Unknown employee status {status}.").format(status=status),
                hint=_("Choose active, pending or blocked."), field="status", code="choice",
            )
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError(
                _("A page holds 1 to {maximum} employees.").format(maximum=MAX_PAGE),
                hint=_("Ask for a smaller page."), field="limit", code="limit",
            )
        self._read(lambda: self._check("org.employees.list", actor, organisation_id, manager=True))
        query = (
            Membership.select(Membership, Account)
            .join(Account, on=(Membership.account == Account.id))
            .where(Membership.organisation == int(organisation_id))
        )
        if status is not None:
            query = query.where(Membership.status == status)
        needle = sort_name("", name or "", "")
        if needle:
            query = query.where(Membership.sort_name.contains(needle))
        if after is not None:
            query = query.where(peewee.Tuple(Membership.sort_name, Membership.id) > (after[0], int(after[1])))
        rows = list(query.order_by(Membership.sort_name, Membership.id).limit(limit + 1))
        page = tuple(employee_row(m, m.account) for m in rows[:limit])
        cursor = (page[-1].sort_name, page[-1].membership_id) if len(rows) > limit else None
        return EmployeePage(rows=page, next_cursor=cursor)

    def pending_count(self, actor: ActorRef, organisation_id: int) -> int:
        """Join requests waiting for a manager of the organisation."""
        self._read(lambda: self._check("org.employees.list", actor, organisation_id, manager=True))
        count: int = (Membership.select().where(
            (Membership.organisation == int(organisation_id)) & (Membership.status == "pending")
        ).count())
        return count

    def employee(self, actor: ActorRef, organisation_id: int, membership_id: int) -> EmployeeRow:
        def read() -> EmployeeRow:
            self._check("org.employees.view", actor, organisation_id, manager=True)
            membership = self._target(organisation_id, membership_id)
            return employee_row(membership, membership.account)

        return self._read(read)

    def _target(self, organisation_id: int, membership_id: int) -> Membership:
        membership: Membership | None = (
            Membership.select(Membership, Account).join(Account, on=(Membership.account == Account.id))
            .where((Membership.id == int(membership_id)) & (Membership.organisation == int(organisation_id)))
            .first()
        )
        if membership is None:
            raise NotFoundError(
                _("This employee is not (or no longer) part of the organisation."),
                hint=_("Reload the list of employees."), code="employee_not_found",
            )
        return membership

    def _other_active_managers(self, membership: Membership) -> int:
        count: int = Membership.select().where(
            (Membership.organisation == membership.organisation_key) & (Membership.status == "active")
            & (Membership.is_manager == True) & (Membership.id != membership.id)
        ).count()
        return count

    def _keep_a_manager(self, membership: Membership, organisation: Organisation) -> None:
        if membership.is_active_manager and self._other_active_managers(membership) == 0:
            raise ConflictError(
                _("{name} is the last active manager of {organisation}.").format(
                    name=membership.account.display_name, organisation=organisation.name),
                hint=_("Make another active employee a manager first: an organisation always keeps "
                       "at least one active manager."),
                code="last_manager",
            )

    # -- changes ---------------------------------------------------------------------------------

    def confirm(
        self,
        actor: ActorRef,
        organisation_id: int,
        membership_id: int,
        *,
        employee: EmployeeData | None = None,
        is_manager: bool = False,
        tool_access: Mapping[str, str] | None = None,
        tool_modes: Mapping[tuple[str, str], str] | None = None,
        wallet_right: str | None = None,
    ) -> EmployeeRow:
        """Confirm a join request, with the employee data as reviewed and edited by the manager.

        ``tool_access`` ({tool: role}, "none" for no access) is stored on the membership for
        the tools area; by default the employee has no tool access. ``tool_modes`` ({(tool,
        usage mode): choice}) grants the access to registered modes through the tools area,
        and ``wallet_right`` sets the employee's wallet right (``none`` by default), both in
        the confirmation's transaction: the membership, its tool access and its wallet right
        are saved all together or not at all.
        """
        data = employee.cleaned() if employee is not None else None
        roles = check_tool_access(tool_access)
        with self._change():
            account, organisation, _mine = self._check(
                "org.employees.confirm", actor, organisation_id, manager=True, lock=True)
            membership = self._target(organisation_id, membership_id)
            self._expect(membership, "pending")
            if data is not None:
                apply_employee_data(membership, data)
            now = self.platform.clock.now()
            membership.status, membership.is_manager = "active", bool(is_manager)
            membership.confirmed_at, membership.confirmed_by = now, account.id
            membership.blocked_at = membership.blocked_by = None
            membership.tool_access = json.dumps(roles, sort_keys=True)
            membership.sort_name, membership.updated_at = account_sort_name(membership.account), now
            membership.save()
            event = self._audit(
                "org.employee.confirmed", account, organisation_id=organisation.id,
                target=self._label(membership),
                detail={"manager": bool(is_manager), "employee_type": membership.employee_type,
                        "tool_access": roles},
            )
            _notify.membership_confirmed(organisation, membership.account, membership, account, event.id)
            # The same transaction: a failure from here on takes the confirmation back too.
            employee_id = int(membership.account.id)
            if tool_modes:
                self.platform.tools.save_employee_tools(account, organisation.id, employee_id, dict(tool_modes))
            if wallet_right is not None:
                self.platform.wallet.set_employee_right(account, organisation.id, int(membership.id), wallet_right)
        on_commit(lambda: self.platform.plugins.membership_confirmed(membership, actor=account))
        return employee_row(membership, membership.account)

    def block(self, actor: ActorRef, organisation_id: int, membership_id: int) -> EmployeeRow:
        """Block a pending or active employee; never the last active manager."""
        with self._change():
            account, organisation, _mine = self._check(
                "org.employees.block", actor, organisation_id, manager=True, lock=True)
            membership = self._target(organisation_id, membership_id)
            self._expect(membership, "pending", "active")
            self._keep_a_manager(membership, organisation)
            now = self.platform.clock.now()
            previous = membership.status
            membership.status, membership.blocked_at, membership.blocked_by = "blocked", now, account.id
            membership.updated_at = now
            membership.save()
            event = self._audit("org.employee.blocked", account, organisation_id=organisation.id,
                                target=self._label(membership), detail={"previous": previous})
            _notify.membership_blocked(organisation, membership.account, membership, account, event.id)
            # The web tools signed in for this organisation lose the sign-in (and are told).
            self.platform.sso.end_all(int(membership.account.id), reason="membership_blocked",
                                      organisation_id=organisation.id)
        on_commit(lambda: self.platform.plugins.membership_blocked(membership, actor=account))
        return employee_row(membership, membership.account)

    def activate(self, actor: ActorRef, organisation_id: int, membership_id: int) -> EmployeeRow:
        """Re-activate a blocked employee (the employee is told by e-mail)."""
        with self._change():
            account, organisation, _mine = self._check(
                "org.employees.activate", actor, organisation_id, manager=True, lock=True)
            membership = self._target(organisation_id, membership_id)
            self._expect(membership, "blocked")
            now = self.platform.clock.now()
            membership.status, membership.blocked_at, membership.blocked_by = "active", None, None
            membership.confirmed_at, membership.confirmed_by = now, account.id
            membership.updated_at = now
            membership.save()
            event = self._audit("org.employee.activated", account, organisation_id=organisation.id,
                                target=self._label(membership))
            _notify.membership_confirmed(organisation, membership.account, membership, account, event.id)
        on_commit(lambda: self.platform.plugins.membership_confirmed(membership, actor=account))
        return employee_row(membership, membership.account)

    def remove(self, actor: ActorRef, organisation_id: int, membership_id: int) -> None:
        """Remove an employee (any status) from the organisation; never the last active manager."""
        with self._change():
            account, organisation, _mine = self._check(
                "org.employees.remove", actor, organisation_id, manager=True, lock=True)
            membership = self._target(organisation_id, membership_id)
            self._keep_a_manager(membership, organisation)
            self._audit("org.employee.removed", account, organisation_id=organisation.id,
                        target=self._label(membership), detail={"status": membership.status})
            self.platform.sso.end_all(int(membership.account.id), reason="membership_removed",
                                      organisation_id=organisation.id)
            membership.delete_instance()
        on_commit(lambda: self.platform.plugins.membership_removed(membership, actor=account))

    def set_manager(
        self, actor: ActorRef, organisation_id: int, membership_id: int, is_manager: bool
    ) -> EmployeeRow:
        """Grant or revoke the manager rights of an active employee."""
        with self._change():
            account, organisation, _mine = self._check(
                "org.employees.manager", actor, organisation_id, manager=True, lock=True)
            membership = self._target(organisation_id, membership_id)
            if is_manager:
                self._expect(membership, "active")
            elif not membership.is_manager:
                return employee_row(membership, membership.account)
            else:
                self._keep_a_manager(membership, organisation)
            if bool(membership.is_manager) != bool(is_manager):
                membership.is_manager = bool(is_manager)
                membership.updated_at = self.platform.clock.now()
                membership.save()
                self._audit(
                    "org.employee.manager_granted" if is_manager else "org.employee.manager_revoked",
                    account, organisation_id=organisation.id, target=self._label(membership),
                )
        return employee_row(membership, membership.account)

    def update_employee(
        self, actor: ActorRef, organisation_id: int, membership_id: int, employee: EmployeeData
    ) -> EmployeeRow:
        """Edit an employee's data within the organisation ("Modifier les données")."""
        data = employee.cleaned()
        with self._change():
            account, organisation, _mine = self._check(
                "org.employees.edit", actor, organisation_id, manager=True)
            membership = self._target(organisation_id, membership_id)
            changed = sorted(
                f.name for f in dataclasses.fields(data)
                if getattr(membership, f.name) != getattr(data, f.name)
            )
            apply_employee_data(membership, data)
            membership.updated_at = self.platform.clock.now()
            membership.sort_name = account_sort_name(membership.account)
            membership.save()
            self._audit("org.employee.updated", account, organisation_id=organisation.id,
                        target=self._label(membership), detail={"fields": changed})
        return employee_row(membership, membership.account)

    # -- adding an existing account -------------------------------------------------------------------

    def _find(self, identifier: str) -> Account:
        text = (identifier or "").strip()
        if not text:
            raise ValidationError(
                _("Enter the e-mail address or the username of the person."),
                hint=_("The person must already have an Immo-Connect account."),
                field="identifier", code="required",
            )
        field = Account.email if "@" in text else Account.username
        value = text.lower() if "@" in text else text
        found: Account | None = Account.get_or_none(field == value)
        if found is None or found.status != "active":
            raise NotFoundError(
                _("No active Immo-Connect account has this e-mail address or username."),
                hint=_("Check the spelling; the person must have an activated account."),
                field="identifier", code="account_not_found",
            )
        return found

    def find_account(self, actor: ActorRef, organisation_id: int, identifier: str) -> AccountProfile:
        """The profile a manager sees before "Ajouter à l'organisation"."""

        def read() -> AccountProfile:
            self._check("org.employees.add", actor, organisation_id, manager=True)
            found = self._find(identifier)
            existing = self._membership_of(found, organisation_id)
            return AccountProfile(
                account_id=found.id, name=found.display_name, username=str(found.username),
                email=str(found.email or ""), already_member=existing.status if existing else None,
            )

        return self._read(read)

    def add_existing(
        self,
        actor: ActorRef,
        organisation_id: int,
        identifier: str,
        employee: EmployeeData,
        *,
        is_manager: bool = False,
        tool_access: Mapping[str, str] | None = None,
    ) -> EmployeeRow:
        """Add an existing account as an active employee (no join request needed)."""
        data = employee.cleaned()
        roles = check_tool_access(tool_access)
        with self._change():
            account, organisation, _mine = self._check(
                "org.employees.add", actor, organisation_id, manager=True)
            found = self._find(identifier)
            existing = self._membership_of(found, organisation.id)
            if existing is not None:
                raise ConflictError(
                    _("{name} is already in the organisation ({status}).").format(
                        name=found.display_name, status=_(STATUS_LABELS[existing.status])),
                    hint=_("Open the employee's details to confirm or activate instead."),
                    code="already_member",
                )
            now = self.platform.clock.now()
            membership: Membership = Membership(
                organisation=organisation, account=found, status="active", is_manager=bool(is_manager),
                created_at=now, confirmed_at=now, confirmed_by=account.id,
                sort_name=account_sort_name(found), tool_access=json.dumps(roles, sort_keys=True),
            )
            apply_employee_data(membership, data)
            membership.save(force_insert=True)
            event = self._audit(
                "org.employee.added", account, organisation_id=organisation.id,
                target=self._label(membership),
                detail={"manager": bool(is_manager), "tool_access": roles},
            )
            _notify.membership_confirmed(organisation, found, membership, account, event.id)
        on_commit(lambda: self.platform.plugins.membership_confirmed(membership, actor=account))
        return employee_row(membership, found)

    # -- helpers ---------------------------------------------------------------------------------------

    @staticmethod
    def _label(membership: Membership) -> str:
        return f"membership:{membership.id} {membership.account.username}"

    @staticmethod
    def _expect(membership: Membership, *statuses: str) -> None:
        if membership.status in statuses:
            return
        messages = {
            "pending": _("This employee is still awaiting confirmation."),
            "active": _("This employee is already active."),
            "blocked": _("This employee is blocked."),
        }
        hints = {
            "pending": _("Confirm the request first."),
            "active": _("Nothing to do; reload the list."),
            "blocked": _("Use \"Activate\" to let the employee back in."),
        }
        raise ConflictError(messages[membership.status], hint=hints[membership.status],
                            code=f"employee_{membership.status}")
