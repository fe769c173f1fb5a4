"""Signing in by SSH key: the server opens an accounts session, the session process uses it.

The server has verified the key; it opens an ordinary accounts session (same token format,
same idle and absolute limits, ended by a block like any other) and hands the token to the
session process through an inherited pipe. The token never appears on a command line, in
an environment variable or in a log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from immo_connect import audit
from immo_connect.accounts import sessions
from immo_connect.accounts.models import Account
from immo_connect.accounts.required import MANDATORY, SignedIn, required_actions
from immo_connect.errors import PermissionDenied
from immo_connect.i18n import _
from immo_connect.storage import is_postgres, transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform


def issue_sign_in(platform: Platform, account_id: int, *, source: str, fingerprint: str) -> str:
    """Open an accounts session for the owner of a verified key; return its token."""
    accounts = platform.accounts
    now = platform.clock.now()
    with transaction():
        query = Account.select().where(Account.id == account_id)
        account: Account | None = (query.for_update() if is_postgres() else query).first()
        if account is None or account.status != "active":  # blocked since the key was checked
            raise PermissionDenied(
                _("This account cannot sign in."), hint=_("Contact support."), code="account_inactive"
            )
        account.last_sign_in_at = now
        account.save(only=[Account.last_sign_in_at])
        restricted = any(action in MANDATORY for action in required_actions(account))
        token = sessions.open_session(
            account, restricted=restricted, limits=accounts.limits, now=now, source=source
        )
        audit.record(
            "auth.sign_in", actor_id=account.id, actor=account.username, target=account.username,
            source=source, at=now,
            detail={"method": "ssh_key", "fingerprint": fingerprint, "restricted": restricted},
        )
    return token


def resume(platform: Platform, token: str) -> SignedIn:
    """The signed-in session behind ``token`` (in the session process)."""
    return platform.accounts.session_info(token)
