"""Granting and removing operator roles (admins, or the command line for the first admin)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.errors import ConflictError, ValidationError
from immo_connect.i18n import _
from immo_connect.operators.access import ActorRef, OperatorAccess, account_named, clean_reason, no_account_named
from immo_connect.operators.models import ROLES, OperatorRole
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform


@dataclasses.dataclass(frozen=True)
class OperatorRow:
    account_id: int
    username: str
    name: str
    role: str
    granted_at: dt.datetime
    granted_by: str


def _system_user() -> str:
    """Who ran the command on the server (the first admin is named from a shell)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _operator_required(message: str) -> ValidationError:
    """The command line acts without ``--as`` only to name the first admin."""
    return ValidationError(message, hint=_("Add --as followed by the username of an administrator."),
                           code="operator_required", field="as")


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(_("Unknown operator role {role!r}.").format(role=role),
                              hint=_("Use helpdesk, finance or admin."), code="role_invalid", field="role")
    return role


class OperatorRoles(OperatorAccess):
    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)

    @staticmethod
    def admin_exists() -> bool:
        return bool(OperatorRole.select().where(OperatorRole.role == "admin").exists())

    def list(self, actor: ActorRef | None) -> list[OperatorRow]:
        """Every operator, for an admin; ``actor`` None only from the command line while no
        admin exists (to set up the first one)."""
        if actor is None and self.admin_exists():
            raise _operator_required(_("Once an administrator exists, the operators are listed by an administrator."))
        if actor is not None:
            self.operator(actor, "admin", "operator.roles_listed")
        rows = OperatorRole.select(OperatorRole, Account).join(Account).order_by(Account.username)
        return [OperatorRow(int(r.account.id), str(r.account.username), r.account.display_name, str(r.role),
                            r.granted_at, str(r.granted_by)) for r in rows]

    def grant(self, actor: ActorRef | None, username: str, role: str, reason: str) -> OperatorRow:
        """Give ``username`` a role (replacing its former one), with the reason. ``actor`` None
        only for the first admin, from the command line, while no admin exists (audited with
        ``first_admin`` and the system user who ran the command)."""
        check_role(role)
        text = clean_reason(reason)
        target = self._account(username)
        first: dict[str, object] = {}
        if actor is None:
            if role != "admin" or self.admin_exists():
                raise _operator_required(
                    _("Only the first administrator is named without --as; other roles are given by an administrator."))
            who, who_id = "operator:command line", None
            first = {"first_admin": True, "system_user": _system_user()}
        else:
            operator = self.operator(actor, "admin", "operator.role_granted", account_id=int(target.id))
            who, who_id = operator.username, operator.id
        now = self.platform.clock.now()
        with transaction():
            before: OperatorRole | None = OperatorRole.get_or_none(OperatorRole.account == target.id)
            if before is None:
                OperatorRole.create(account=target.id, role=role, granted_at=now, granted_by=who)
            else:
                OperatorRole.update(role=role, granted_at=now, granted_by=who).where(
                    OperatorRole.account == target.id).execute()
            audit.record("operator.role_granted", actor_id=who_id, actor=who, target=str(target.username),
                         source=self.platform.source, at=now,
                         detail={"reason": text, **first,
                                 "changed": {"role": [str(before.role) if before else None, role]}})
        return OperatorRow(int(target.id), str(target.username), target.display_name, role, now, who)

    def revoke(self, actor: ActorRef, username: str, reason: str) -> None:
        text = clean_reason(reason)
        target = self._account(username)
        operator = self.operator(actor, "admin", "operator.role_removed", account_id=int(target.id))
        with transaction():
            row: OperatorRole | None = OperatorRole.get_or_none(OperatorRole.account == target.id)
            if row is None:
                raise ConflictError(_("{name} has no operator role.").format(name=target.username),
                                    hint=_("See the operators with: immo-connect operators list"),
                                    code="not_an_operator")
            row.delete_instance()
            audit.record("operator.role_removed", actor_id=operator.id, actor=operator.username,
                         target=str(target.username), source=self.platform.source, at=self.platform.clock.now(),
                         detail={"reason": text, "changed": {"role": [str(row.role), None]}})

    @staticmethod
    def _account(username: str) -> Account:
        account = account_named(username)
        if account.status == "deleted":
            raise no_account_named(username)
        return account
