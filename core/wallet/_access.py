"""Who may do what with a wallet, checked on every call from the database.

Charging (using a tool) needs an *active* membership of the organisation with an *active*
account: one query reads both, so the check costs little on the charge path. Everything
else needs a wallet right as well (``rights.py``): viewing, exporting and vouchers ``view``,
top-ups ``top_up``, transfers and refunds ``manage`` (managers always hold it). Refusals are
audited in a transaction of their own.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import peewee

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.errors import PermissionDenied
from immo_connect.i18n import _
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.storage import transaction
from immo_connect.wallet import _ledger
from immo_connect.wallet.models import WalletRight
from immo_connect.wallet.rights import RIGHT_MANAGE, RIGHT_NONE, includes, right_label

if TYPE_CHECKING:
    from immo_connect.platform import Platform

ActorRef = Account | int


@dataclasses.dataclass(frozen=True)
class Actor:
    """The acting account as read now: its id, username and role in one organisation."""

    id: int
    username: str
    is_manager: bool
    right: str = RIGHT_NONE  # the wallet right held now (``rights.py``)
    name: str = ""  # the display name


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


def held_right(account_id: int, organisation_id: int) -> str:
    """The wallet right held now: ``none`` unless the account and its membership are active;
    ``manage`` for a manager; else what a manager set (``none`` when nothing was set)."""
    row = (
        Membership.select(Membership.status, Membership.is_manager, Account.status, WalletRight.right)
        .join(Account, on=(Membership.account == Account.id))
        .switch(Membership)
        .join(WalletRight, peewee.JOIN.LEFT_OUTER, on=(WalletRight.membership == Membership.id))
        .where((Membership.account == account_id) & (Membership.organisation == organisation_id))
        .tuples().first()
    )
    if row is None or row[0] != "active" or row[2] != "active":
        return RIGHT_NONE
    if row[1]:
        return RIGHT_MANAGE
    return str(row[3] or RIGHT_NONE)


def require_right(platform: Platform, actor: ActorRef, organisation_id: int, right: str, *,
                  action: str) -> Actor:
    """The actor when it is an active member holding ``right``; else an audited refusal.

    Non-members are refused by the organisations service (as before wallet rights
    existed); members whose right is too low here, with ``code == "wallet_right_missing"``.
    """
    membership = platform.organisations.require_member(actor, organisation_id)
    account: Account = membership.account
    held = RIGHT_MANAGE if membership.is_manager else held_right(int(account.id), int(organisation_id))
    if not includes(held, right):
        organisation: Organisation = Organisation.get_by_id(organisation_id)
        raise refuse(
            action, account_id=int(account.id), username=str(account.username),
            organisation_id=int(organisation_id), reason="right_missing", source=platform.source,
            message=_("Your wallet right at {organisation} does not allow this.").format(
                organisation=organisation.name),
            hint=_("Ask a manager of the organisation for the wallet right « {right} ».").format(
                right=right_label(right)),
        )
    return Actor(int(account.id), str(account.username), bool(membership.is_manager), held,
                 str(account.display_name))


def member_of(platform: Platform, actor: ActorRef, organisation_id: int, *,
              right: str, action: str = "wallet.access") -> Actor:
    """The organisations service's check (active account, active membership) and the wallet
    right ``right`` (``rights.py``).

    Used everywhere except the charge path, which reads the membership in one statement with
    :func:`require_member` because tools charge often and its speed is measured.
    """
    return require_right(platform, actor, organisation_id, right, action=action)
