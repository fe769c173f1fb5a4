"""Counted events in the database, so limits hold across processes (one per SSH session).

Subjects are keyed hashes of what is limited (a source, an e-mail address), never the
value itself. Old hits are pruned when new ones are written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from immo_connect.accounts.models import RateLimitHit
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _

KEEP = dt.timedelta(days=2)


class TooManyAttempts(ImmoConnectError):
    """A rate limit refused the request; nothing was checked or changed."""

    code = "rate_limited"


def subject(secret_key: bytes, *parts: str) -> str:
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(secret_key, b"rate-limit\x1f" + message, hashlib.sha256).hexdigest()


def count(bucket: str, subject_hash: str, since: dt.datetime) -> int:
    return int(
        RateLimitHit.select()
        .where(
            (RateLimitHit.bucket == bucket) & (RateLimitHit.subject == subject_hash)
            & (RateLimitHit.at > since)
        )
        .count()
    )


def hit(bucket: str, subject_hash: str, now: dt.datetime) -> None:
    """Record one event (call inside a transaction)."""
    RateLimitHit.delete().where(
        (RateLimitHit.bucket == bucket) & (RateLimitHit.subject == subject_hash)
        & (RateLimitHit.at < now - KEEP)
    ).execute()
    RateLimitHit.create(bucket=bucket, subject=subject_hash, at=now)


def ensure_below(bucket: str, subject_hash: str, *, limit: int, window: dt.timedelta, now: dt.datetime) -> None:
    """Raise :class:`TooManyAttempts` when ``limit`` events happened within ``window``."""
    if count(bucket, subject_hash, now - window) >= limit:
        minutes = max(1, int(window.total_seconds() // 60))
        raise TooManyAttempts(
            _("Too many attempts from this connection."),
            hint=_("Wait up to {minutes} minutes, then try again.").format(minutes=minutes),
        )
