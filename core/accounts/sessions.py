"""Sessions: random 256-bit tokens, stored as SHA-256 digests, with idle and absolute limits.

Limits come from ``[security]`` (``session_idle_minutes``, default 30;
``session_absolute_hours``, default 12). Every use checks the account too, so a blocked or
deleted account loses its sessions at once even before they are ended in the table.
``last_seen_at`` is written at most once a minute, which keeps reads cheap; the idle limit
is therefore exact to within that minute.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets

from immo_connect.accounts.models import Account, Session
from immo_connect.config import SecuritySection
from immo_connect.errors import PermissionDenied
from immo_connect.i18n import _

TOKEN_BYTES = 32
TOUCH_EVERY = dt.timedelta(minutes=1)


class SessionEnded(PermissionDenied):
    """The token is unknown, ended, idle for too long or past its absolute limit.

    ``stale_session`` names a session found past its limits: the caller marks it ended
    (:func:`mark_ended`) once its own transaction is over, since raising rolls that back.
    """

    code = "session_expired"
    stale_session: tuple[int, str] | None = None


@dataclasses.dataclass(frozen=True)
class Limits:
    idle: dt.timedelta
    absolute: dt.timedelta

    @classmethod
    def from_settings(cls, security: SecuritySection) -> Limits:
        return cls(
            idle=dt.timedelta(minutes=max(1, security.session_idle_minutes)),
            absolute=dt.timedelta(hours=max(1, security.session_absolute_hours)),
        )


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(account: Account, *, restricted: bool, limits: Limits, now: dt.datetime, source: str) -> str:
    """Create a session (inside the caller's transaction) and return its token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    Session.create(
        account=account.id, token_hash=digest(token), restricted=restricted, source=source[:100],
        created_at=now, last_seen_at=now, expires_at=now + limits.absolute,
    )
    return token


def ended(stale_session: tuple[int, str] | None = None) -> SessionEnded:
    error = SessionEnded(_("Your session has ended."), hint=_("Sign in again to continue."))
    error.stale_session = stale_session
    return error


def mark_ended(session_id: int, *, now: dt.datetime, reason: str) -> None:
    Session.update(ended_at=now, end_reason=reason).where(
        (Session.id == session_id) & Session.ended_at.is_null()
    ).execute()


def resolve(
    token: str | None, *, limits: Limits, now: dt.datetime, allow_restricted: bool = False, touch: bool = True,
) -> tuple[Session, Account]:
    """The live session of ``token`` and its account, or :class:`SessionEnded`."""
    if not token or len(token) > 200:
        raise ended()
    session: Session | None = (
        Session.select(Session, Account).join(Account)
        .where(Session.token_hash == digest(token)).first()
    )
    if session is None or session.ended_at is not None:
        raise ended()
    account: Account = session.account
    if now >= session.expires_at or now >= session.last_seen_at + limits.idle or account.status in ("blocked", "deleted"):
        reason = "blocked" if account.status in ("blocked", "deleted") else "expired"
        raise ended((int(session.id), reason))
    if session.restricted and not allow_restricted:
        raise SessionEnded(
            _("Your account is not ready yet."),
            hint=_("Finish the step shown after signing in (e-mail address or activation code)."),
            code="session_restricted",
        )
    if touch and now - session.last_seen_at >= TOUCH_EVERY:
        Session.update(last_seen_at=now).where(Session.id == session.id).execute()
        session.last_seen_at = now
    return session, account


def find(token: str, *, account_id: int | None = None) -> Session | None:
    """The session row of ``token`` whatever its state (None when unknown or of another account)."""
    query = Session.select().where(Session.token_hash == digest(token))
    if account_id is not None:
        query = query.where(Session.account == account_id)
    row: Session | None = query.first()
    return row


def end(token: str, *, now: dt.datetime, reason: str) -> bool:
    """End one session; False when it was already ended or unknown."""
    count = Session.update(ended_at=now, end_reason=reason).where(
        (Session.token_hash == digest(token)) & Session.ended_at.is_null()
    ).execute()
    return bool(count)


def end_all(account_id: int, *, now: dt.datetime, reason: str, keep_session_id: int | None = None) -> int:
    """End every open session of an account (except ``keep_session_id``); the count ended."""
    query = Session.update(ended_at=now, end_reason=reason).where(
        (Session.account == account_id) & Session.ended_at.is_null()
    )
    if keep_session_id is not None:
        query = query.where(Session.id != keep_session_id)
    return int(query.execute())
