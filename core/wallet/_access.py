"""Who may do what with a wallet, checked on every call from the database.

Viewing, exporting, charging (using a tool) and starting a top-up need an *active*
membership of the organisation with an *active* account; transfers need the manager role.
One query reads both the account and the membership, so the check costs little on the
charge path. Refusals are audited in a transaction of their own.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.errors import PermissionDenied
from immo_connect.i18n import _
from immo_connect.storage import transaction
from immo_connect.wallet import _ledger

if TYPE_CHECKING:
    from immo_connect.platform import Platform

ActorRef = Account | int


@dataclasses.dataclass(frozen=True)
class Actor:
    """The acting account as read now: its id, username and role in one organisation."""

    id: int
    username: str
    is_manager: bool


def actor_id(actor: ActorRef) -> int:
    return int(actor.id) if isinstance(actor, Account) else int(actor)


def refuse(action: str, *, account_id: int | None, username: str, organisation_id: int | None,
           reason: str, source: str, message: str, hint: str) -> PermissionDenied:
    """Audit a refusal (in its own transaction) and return the error to raise."""
    with transaction():
        audit.record(
            action, actor_id=account_id, actor=username, organisation_id=organisation_id,
            outcome="refused", source=source, detail={"reason": reason},
        )
    return PermissionDenied(message, hint=hint, code=f"wallet_{reason}")


def require_member(actor: ActorRef, organisation_id: int, *, action: str, source: str) -> Actor:
    """The actor when its account is active and it is an active member of the organisation.

    This is the wallet's own check; it reads the same rows as the organisations service
    (``Account.status``, ``Membership.status`` / ``is_manager``) in a single query.
    """
    account_id = actor_id(actor)
    row = _ledger.membership(account_id, organisation_id)
    if row is None or row[0] != "active":
        raise refuse(
            action, account_id=account_id, username=row[1] if row else f"account:{account_id}",
            organisation_id=organisation_id, reason="account_inactive", source=source,
            message=_("Your account is not active, so it cannot use a wallet."),
            hint=_("Sign in again; if the problem remains, contact support."),
        )
    _status, username, membership_status, is_manager = row
    if membership_status != "active":
        raise refuse(
            action, account_id=account_id, username=username, organisation_id=organisation_id,
            reason="not_member", source=source,
            message=_("You are not an active member of this organisation, so you cannot use its wallet."),
            hint=_("Ask a manager of the organisation to confirm your membership."),
        )
    return Actor(account_id, username, is_manager)


def member_of(platform: Platform, actor: ActorRef, organisation_id: int, *,
              manager: bool = False) -> Actor:
    """The organisations service's check (active account, active membership, manager role).

    Used everywhere except the charge path, which reads the same rule in one statement with
    :func:`require_member` because tools charge often and its speed is measured.
    """
    service = platform.organisations
    if manager:
        membership = service.require_manager(actor, organisation_id)
    else:
        membership = service.require_member(actor, organisation_id)
    account: Account = membership.account
    return Actor(int(account.id), str(account.username), bool(membership.is_manager))

