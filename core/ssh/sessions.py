"""The register of live SSH sessions, shared by every server on the database.

Each server writes one row per session it serves, refreshes ``seen_at`` while it runs and
closes the row at the end. A row without an account is a session still on the sign-in
screen ("anonymous"): those have their own limits (in total, and per source address), apart
from the limit on signed-in sessions, so that people on the sign-in screen can never take
the places of people who signed in with a key or a password. Limits are checked and the
row written under one lock, so two servers admitting at the same moment cannot both take
the last place. Sign-in failures per source address are counted from the audit log, which
every server and session process writes to.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator
from collections.abc import Collection
from typing import TYPE_CHECKING

import peewee

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.errors import ConflictError
from immo_connect.i18n import _
from immo_connect.ssh.models import SshSession
from immo_connect.storage import database, is_postgres, transaction

if TYPE_CHECKING:
    from immo_connect.config import SshSection
    from immo_connect.platform import Platform

HEARTBEAT_SECONDS = 60
# A row not refreshed for this long belongs to a server that died: it no longer counts.
STALE_AFTER = dt.timedelta(seconds=3 * HEARTBEAT_SECONDS)
# Any 64-bit number identifying "the SSH session register" for PostgreSQL's advisory lock.
_LOCK_KEY = 0x5353480001
# Refused sign-ins that count against a source address: SSH authentication that ended
# without any accepted method, and password sign-ins refused by the accounts service.
FAILED_SIGN_IN_ACTIONS: tuple[str, ...] = ("ssh.auth", "auth.sign_in")
# Account states whose live sessions are closed by the servers (see ``closing_sessions``).
CLOSED_STATUSES: tuple[str, ...] = ("blocked", "deleted")


@dataclasses.dataclass(frozen=True)
class SessionLimits:
    """How many sessions may be live at once, all servers together."""

    max_sessions: int  # signed-in sessions (key or password)
    max_per_account: int
    max_anonymous: int  # sessions on the sign-in screen
    max_anonymous_per_address: int

    @classmethod
    def from_settings(cls, ssh: SshSection) -> SessionLimits:
        return cls(max_sessions=ssh.max_sessions, max_per_account=ssh.max_sessions_per_account,
                   max_anonymous=ssh.max_anonymous_sessions,
                   max_anonymous_per_address=ssh.max_anonymous_per_address)


class SessionLimitReached(ConflictError):
    code = "ssh_session_limit"


class SshSessionRegistry:
    """``platform.ssh_sessions``: open, sign in, refresh and close session rows."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def _now(self) -> dt.datetime:
        return self.platform.clock.now()

    def _lock(self) -> None:
        # SQLite: transaction() already holds the write lock (BEGIN IMMEDIATE).
        if is_postgres():
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))

    def _live(self) -> peewee.ModelSelect[SshSession]:
        return SshSession.select().where(
            SshSession.ended_at.is_null() & (SshSession.seen_at >= self._now() - STALE_AFTER)
        )

    def live_count(self, account_id: int | None = None) -> int:
        query = self._live()
        if account_id is not None:
            query = query.where(SshSession.account == account_id)
        return int(query.count())

    def signed_in_count(self) -> int:
        return int(self._live().where(SshSession.account.is_null(False)).count())

    def anonymous_count(self, source: str | None = None) -> int:
        query = self._live().where(SshSession.account.is_null())
        if source is not None:
            query = query.where(SshSession.source == source[:100])
        return int(query.count())

    def _refuse(self, action: str, account: Account | None, source: str, reason: str, limit: int) -> SessionLimitReached:
        with transaction():
            audit.record(
                action, actor_id=account.id if account else None,
                actor=account.username if account else "anonymous", outcome="refused",
                source=source, detail={"reason": reason, "limit": limit}, at=self._now(),
            )
        if reason == "max_sessions":
            return SessionLimitReached(
                _("The server is serving its maximum number of sessions ({limit}).").format(limit=limit),
                hint=_("Try again in a few minutes."), code="ssh_max_sessions",
            )
        if reason == "max_anonymous_sessions":
            return SessionLimitReached(
                _("Too many people are on the sign-in screen right now ({limit}).").format(limit=limit),
                hint=_("Try again in a minute, or connect with an SSH key registered in your account."),
                code="ssh_max_anonymous_sessions",
            )
        if reason == "max_anonymous_per_address":
            return SessionLimitReached(
                _("Your address already has {limit} sessions on the sign-in screen, the maximum.").format(limit=limit),
                hint=_("Sign in or close one of them, then connect again."), code="ssh_max_anonymous_per_address",
            )
        return SessionLimitReached(
            _("Your account already has {limit} open sessions, the maximum.").format(limit=limit),
            hint=_("Close one of your other sessions, then connect again."), code="ssh_max_account_sessions",
        )

    def open(
        self, *, server: str, source: str, limits: SessionLimits, account_id: int | None = None, fingerprint: str = "",
    ) -> int:
        """Register a new session if the limits allow it; return its id.

        With ``account_id`` (a key named the account) the session counts as signed in from
        the start; without, it counts as anonymous until someone signs in.
        """
        account: Account | None = Account.get_or_none(Account.id == account_id) if account_id else None
        with transaction():
            self._lock()
            refusal: tuple[str, int] | None = None
            if account is None:
                if self.anonymous_count() >= limits.max_anonymous:
                    refusal = ("max_anonymous_sessions", limits.max_anonymous)
                elif self.anonymous_count(source) >= limits.max_anonymous_per_address:
                    refusal = ("max_anonymous_per_address", limits.max_anonymous_per_address)
            elif self.signed_in_count() >= limits.max_sessions:
                refusal = ("max_sessions", limits.max_sessions)
            elif self.live_count(account.id) >= limits.max_per_account:
                refusal = ("max_account_sessions", limits.max_per_account)
            if refusal is None:
                now = self._now()
                row: SshSession = SshSession.create(
                    server=server[:200], source=source[:100], account=account.id if account else None,
                    key_fingerprint=fingerprint, started_at=now, seen_at=now,
                )
                audit.record(
                    "ssh.session.open", actor_id=account.id if account else None,
                    actor=account.username if account else "anonymous", target=f"ssh_session:{row.id}",
                    source=source, detail={"method": "publickey" if account else "login_screen",
                                           "fingerprint": fingerprint, "server": server}, at=now,
                )
                return int(row.id)
        raise self._refuse("ssh.session.open", account, source, *refusal)

    def signed_in(self, session_id: int, account_id: int, *, limits: SessionLimits) -> None:
        """Attach the account that signed in on the sign-in screen, within the limits.

        The session leaves the anonymous count and joins the signed-in one, so it needs a
        place there (``max_sessions``) as well as within its account's limit.
        """
        account: Account | None = Account.get_or_none(Account.id == account_id)
        row: SshSession | None = SshSession.get_or_none(SshSession.id == session_id)
        if account is None or row is None:
            return
        with transaction():
            self._lock()
            others = self._live().where(SshSession.id != session_id)
            if others.where(SshSession.account.is_null(False)).count() >= limits.max_sessions:
                refusal = ("max_sessions", limits.max_sessions)
            elif others.where(SshSession.account == account.id).count() >= limits.max_per_account:
                refusal = ("max_account_sessions", limits.max_per_account)
            else:
                SshSession.update(account=account.id).where(SshSession.id == session_id).execute()
                audit.record(
                    "ssh.session.sign_in", actor_id=account.id, actor=account.username,
                    target=f"ssh_session:{session_id}", source=row.source,
                    detail={"method": "password"}, at=self._now(),
                )
                return
        raise self._refuse("ssh.session.sign_in", account, row.source, *refusal)

    def signed_out(self, session_id: int) -> None:
        with transaction():
            SshSession.update(account=None).where(SshSession.id == session_id).execute()

    def heartbeat(self, session_ids: list[int]) -> None:
        if session_ids:
            with transaction():
                SshSession.update(seen_at=self._now()).where(SshSession.id.in_(session_ids)).execute()

    def close(self, session_id: int, reason: str) -> None:
        """End a session row (idempotent) and audit how it ended."""
        with transaction():
            row: SshSession | None = SshSession.get_or_none(SshSession.id == session_id)
            if row is None or row.ended_at is not None:
                return
            now = self._now()
            SshSession.update(ended_at=now, end_reason=reason[:30]).where(SshSession.id == session_id).execute()
            account: Account | None = row.account  # None when nobody signed in
            audit.record(
                "ssh.session.close", actor_id=account.id if account else None,
                actor=account.username if account else "anonymous", target=f"ssh_session:{session_id}",
                source=row.source, at=now,
                detail={"reason": reason, "seconds": int((now - row.started_at).total_seconds())},
            )

    def closed_accounts(self, account_ids: Collection[int]) -> dict[int, str]:
        """Which of these accounts are blocked or deleted: account id → status.

        Each server asks it every few seconds (``[ssh] account_check_seconds``) for the
        accounts behind its sessions, in one indexed query, so an operator's block reaches
        the sessions of every server sharing the database. The server asks by account, not
        by session row: a session whose app already went back to the sign-in screen (it
        noticed the block first) still belongs to the person who was blocked.
        """
        if not account_ids:
            return {}
        rows = (Account.select(Account.id, Account.status)
                .where(Account.id.in_(sorted(set(account_ids))) & Account.status.in_(CLOSED_STATUSES))
                .tuples())
        return {int(row[0]): str(row[1]) for row in rows.execute()}

    def close_server(self, server: str, reason: str) -> int:
        """Close every open row of one server (at its shutdown); return how many."""
        ids = [row.id for row in SshSession.select(SshSession.id).where(
            (SshSession.server == server) & SshSession.ended_at.is_null())]
        for session_id in ids:
            self.close(session_id, reason)
        return len(ids)

    def recent_failures(self, source: str, window: dt.timedelta) -> int:
        """Refused sign-ins from ``source`` ("ssh:<address>") within ``window``."""
        since = self._now() - window
        condition = functools.reduce(
            operator.or_, [audit.AuditEvent.action.startswith(action) for action in FAILED_SIGN_IN_ACTIONS]
        )
        return int(
            audit.AuditEvent.select()
            .where((audit.AuditEvent.at >= since) & (audit.AuditEvent.source == source)
                   & (audit.AuditEvent.outcome == "refused") & condition)
            .count()
        )
