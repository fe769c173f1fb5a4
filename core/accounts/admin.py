"""Operator actions (``immo-connect accounts``): unlock, block, unblock, delete.

Blocking or deleting ends every session at once; an unlock lifts a brute-force wait.
Each action is audited with the operator as actor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from immo_connect.accounts import sessions
from immo_connect.accounts.models import Account
from immo_connect.errors import NotFoundError, ValidationError
from immo_connect.i18n import _
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.accounts.service import AccountService

OPERATOR_STATUSES = ("active", "blocked", "deleted")


def _find(username: str) -> Account:
    name = (username or "").strip().lower()
    account: Account | None = Account.get_or_none((Account.username == name) | (Account.email == name))
    if account is None:
        raise NotFoundError(
            _("There is no account {name!r}.").format(name=username),
            hint=_("Give the username or the e-mail address of the account."),
        )
    return account


def unlock(svc: AccountService, username: str) -> None:
    account = _find(username)
    with transaction():
        Account.update(failed_sign_ins=0, locked_until=None).where(Account.id == account.id).execute()
        svc.audit("account.unlocked", target=str(account.username), detail={"by": "operator"})


def set_status(svc: AccountService, username: str, status: str) -> int:
    """Block, unblock or delete; returns how many sessions were ended."""
    if status not in OPERATOR_STATUSES:
        raise ValidationError(_("Unknown account status {status!r}.").format(status=status), hint=_("Use active, blocked or deleted."))
    account = _find(username)
    if status == "active" and account.status not in ("blocked",):
        raise ValidationError(
            _("Only a blocked account can be unblocked (this one is {status}).").format(status=account.status),
            hint=_("Check the username."), code="not_blocked",
        )
    now = svc.now()
    with transaction():
        Account.update(status=status).where(Account.id == account.id).execute()
        ended = 0 if status == "active" else sessions.end_all(int(account.id), now=now, reason=status)
        if status != "active":
            svc.platform.sso.end_all(int(account.id), reason=status)  # the web tools' sign-ins too
        action = {"active": "account.unblocked", "blocked": "account.blocked", "deleted": "account.deleted"}[status]
        svc.audit(action, target=str(account.username), detail={"sessions_ended": ended})
    return ended
