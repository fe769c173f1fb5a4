"""Who may do what in the back office, checked in the core for every call.

The operator is re-read from the database on each call: the account must be active and hold
a role that allows the action (admin includes helpdesk and finance). An operator never acts
on their own account nor on an organisation they belong to (in any membership status).
Refusals are audited in a transaction of their own, before the change's transaction starts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from immo_connect import audit, i18n
from immo_connect.accounts.models import Account
from immo_connect.errors import NotFoundError, PermissionDenied, ValidationError
from immo_connect.i18n import N_, _
from immo_connect.operators.models import ROLES, OperatorRole
from immo_connect.organisations.models import Membership
from immo_connect.storage import transaction
from immo_connect.text import check_free_text

if TYPE_CHECKING:
    from immo_connect.platform import Platform

ActorRef = Account | int
REASON_MAX = 500

#: What each kind of action needs: the roles allowed to do it.
CAPABILITIES: dict[str, frozenset[str]] = {
    "find": frozenset(ROLES),                      # look up accounts and their state
    "help": frozenset({"helpdesk", "admin"}),      # help a user with their account
    "money": frozenset({"finance", "admin"}),      # suspense list, corrections, refunds, imports
    "admin": frozenset({"admin"}),                 # grant and remove roles, delete accounts
}

ROLE_WORDS: dict[str, str] = {"helpdesk": N_("helpdesk"), "finance": N_("finance"), "admin": N_("administrator")}


@dataclasses.dataclass(frozen=True)
class Operator:
    """An operator as checked for one action."""

    account: Account
    role: str

    @property
    def id(self) -> int:
        return int(self.account.id)

    @property
    def username(self) -> str:
        return str(self.account.username)


def role_of(account_id: int) -> str | None:
    row: OperatorRole | None = OperatorRole.get_or_none(OperatorRole.account == account_id)
    return str(row.role) if row is not None else None


def clean_reason(reason: str | None) -> str:
    """Every operator action says why: one line of at most 500 characters."""
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationError(
            _("Give the reason for this action."),
            hint=_("For example the ticket number and what the user asked; it is kept in the audit log."),
            code="reason_required", field="reason",
        )
    if len(text) > REASON_MAX:
        raise ValidationError(
            _("The reason is too long ({count} characters).").format(count=len(text)),
            hint=_("Use at most 500 characters."), code="reason_too_long", field="reason",
        )
    return check_free_text(text, field="reason", label=_("The reason"))


class OperatorAccess:
    """Checks, audit and notices shared by the back office's services."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def _refuse(self, action: str, account_id: int, name: str, message: str, hint: str, code: str,
                detail: Mapping[str, Any], organisation_id: int | None = None, target: str = "") -> PermissionDenied:
        with transaction():
            audit.record(action, actor_id=account_id, actor=name, organisation_id=organisation_id, target=target,
                         outcome="refused", source=self.platform.source, detail={"refusal": code, **detail},
                         at=self.platform.clock.now())
        return PermissionDenied(message, hint=hint, code=code)

    def operator_with_reason(self, actor: ActorRef, capability: str, action: str, reason: str, *,
                             account_id: int | None = None, organisation_id: int | None = None) -> tuple[Operator, str]:
        """:meth:`operator` for an action that changes something, with its cleaned reason; the
        reason is checked first, so a form sent without one audits no refusal."""
        text = clean_reason(reason)
        return self.operator(actor, capability, action, account_id=account_id, organisation_id=organisation_id), text

    def operator(self, actor: ActorRef, capability: str, action: str, *, account_id: int | None = None,
                 organisation_id: int | None = None) -> Operator:
        """The operator allowed to do ``action``, or :class:`PermissionDenied` (audited)."""
        actor_id = int(actor.id) if isinstance(actor, Account) else int(actor)
        account: Account | None = Account.get_or_none(Account.id == actor_id)
        name = str(account.username) if account is not None else f"account:{actor_id}"
        target = f"account:{account_id}" if account_id is not None else ""
        if account is None or account.status != "active":
            raise self._refuse(action, actor_id, name, _("This account cannot do this: it is not active."),
                               _("Sign in again; if the problem remains, contact support."), "account_inactive",
                               {}, organisation_id, target)
        role = role_of(actor_id)
        if role is None or role not in CAPABILITIES[capability]:
            raise self._refuse(
                action, actor_id, name, _("Your operator role does not allow this."),
                _("Ask an administrator of the platform for the right role (see: immo-connect operators list)."),
                "operator_role", {"role": role or "none", "needs": capability}, organisation_id, target)
        if account_id is not None and account_id == actor_id:
            raise self._refuse(
                action, actor_id, name, _("An operator never acts on their own account."),
                _("Ask another operator to do it."), "operator_own_account", {"role": role}, organisation_id, target)
        if organisation_id is not None and Membership.select().where(
                (Membership.account == actor_id) & (Membership.organisation == organisation_id)).exists():
            raise self._refuse(
                action, actor_id, name, _("An operator never acts on an organisation they are a member of."),
                _("Ask another operator to do it."), "operator_own_organisation", {"role": role},
                organisation_id, target)
        return Operator(account, role)

    def target_account(self, account_id: int) -> Account:
        account: Account | None = Account.get_or_none(Account.id == int(account_id))
        if account is None or account.status == "deleted":
            raise NotFoundError(_("There is no account {id}.").format(id=account_id),
                                hint=_("Search the account again."), code="account_not_found")
        return account

    def record(self, operator: Operator, action: str, *, target: str, reason: str,
               changed: Mapping[str, Any], organisation_id: int | None = None) -> audit.AuditEvent:
        """The audit event of an operator's action (inside the change's transaction)."""
        return audit.record(
            action, actor_id=operator.id, actor=operator.username, organisation_id=organisation_id,
            target=target, source=self.platform.source, at=self.platform.clock.now(),
            detail={"operator_role": operator.role, "reason": reason, "changed": dict(changed)},
        )

    def tell_owner(self, account: Account, what: str, reason: str, event: audit.AuditEvent) -> None:
        """Mail the account's owner what an operator did to it (``what`` is marked with N_)."""
        from immo_connect.mail import enqueue

        if not account.email:
            return
        language = str(account.language) if account.language in i18n.LANGUAGES else self.platform.settings.language
        enqueue(
            to=str(account.email), template="operator_action", key=f"operator_action:{event.id}:{account.id}",
            language=language,
            context={"first_name": account.first_name, "username": account.username,
                     "action": i18n.catalog(language).gettext(what), "reason": reason},
        )


def no_account_named(username: str) -> NotFoundError:
    return NotFoundError(_("There is no account {name!r}.").format(name=username),
                         hint=_("Give the username or the e-mail address of the account."),
                         code="account_not_found")


def account_named(username: str) -> Account:
    """The account named ``username`` (or its e-mail address), whatever its status."""
    name = (username or "").strip().lower()
    account: Account | None = Account.get_or_none((Account.username == name) | (Account.email == name))
    if account is None:
        raise no_account_named(username)
    return account


def account_id_of(username: str) -> int:
    """The id of the account named ``username`` (or its e-mail address), for the command line."""
    return int(account_named(username).id)
