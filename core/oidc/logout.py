"""OpenID Connect Back-Channel Logout: tell a tool that one of its sign-ins ended.

The provider POSTs ``logout_token=<JWT>`` (``typ: logout+jwt``, claims ``iss``, ``aud``,
``iat``, ``exp``, ``jti``, ``sub``, ``sid`` and the back-channel logout event, never a
``nonce``) to the tool's ``backchannel_logout_uri``. The sign-in is already ended in the
database when this runs (its tokens no longer work); the notice itself is owed durably: a
:class:`LogoutDelivery` row written in the same transaction, sent right after the commit
and, while the tool cannot be reached, retried with backoff by ``immo-connect web`` and
``immo-connect worker``. A claim (a lease) makes one process send each notice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from joserfc import jwt

from immo_connect.oidc import keys
from immo_connect.oidc.models import LogoutDelivery, ToolSignIn
from immo_connect.storage import is_postgres, transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform

log = logging.getLogger("immo_connect.oidc.logout")

EVENT = "http://schemas.openid.net/event/backchannel-logout"
RETRY_BASE_SECONDS = 10  # then doubled at each failure…
RETRY_MAX_SECONDS = 3600  # …up to an hour between attempts
MAX_ATTEMPTS = 20  # about fifteen hours of trying; the sign-in itself ended long before
THREAD_NAME = "backchannel-logout"


def logout_token(platform: Platform, sign_in: ToolSignIn) -> str:
    key = keys.signing_key(platform)
    now = int(platform.clock.now().timestamp())
    claims: dict[str, Any] = {
        "iss": platform.settings.issuer, "aud": str(sign_in.client_id), "iat": now, "exp": now + 120,
        "jti": secrets.token_urlsafe(16), "sub": platform.sso.subject(int(sign_in.account_id)),
        "sid": str(sign_in.sid), "events": {EVENT: {}},
    }
    return jwt.encode({"alg": keys.ALGORITHM, "kid": key.kid, "typ": "logout+jwt"}, claims, key)


def queue(platform: Platform, sign_ins: Iterable[ToolSignIn]) -> int:
    """Owe a notice to each tool that declared a logout URI (inside the ending transaction)."""
    now = platform.clock.now()
    rows = [{"sign_in": row.id, "client_id": str(row.client_id), "created_at": now, "next_attempt_at": now}
            for row in sign_ins if _uri(platform, str(row.client_id))]
    if rows:
        LogoutDelivery.insert_many(rows).execute()
    return len(rows)


def _uri(platform: Platform, client_id: str) -> str:
    tool = platform.sso.client(client_id)
    return tool.web_client.backchannel_logout_uri if tool and tool.web_client else ""


def retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)))


@dataclasses.dataclass
class DeliveryCounts:
    """What one :func:`deliver_due` call did."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    abandoned: int = 0


def _due(now: dt.datetime) -> Any:
    return ((LogoutDelivery.status == "pending") & (LogoutDelivery.next_attempt_at <= now)
            & (LogoutDelivery.claimed_until.is_null() | (LogoutDelivery.claimed_until < now)))


def claim(platform: Platform, limit: int) -> list[LogoutDelivery]:
    """Take up to ``limit`` due notices for this process; no other process sends them meanwhile."""
    from immo_connect.mail._outbox import worker_name

    now = platform.clock.now()
    token = f"{worker_name()}#{secrets.token_hex(4)}"
    lease = dt.timedelta(seconds=platform.settings.web.logout_timeout_seconds * 2 + 30)
    candidates = LogoutDelivery.select(LogoutDelivery.id).where(_due(now)).order_by(LogoutDelivery.id).limit(limit)
    if is_postgres():
        candidates = candidates.for_update(skip_locked=True)
    with transaction():
        ids = [row.id for row in candidates]
        count = ids and LogoutDelivery.update(
            claimed_by=token, claimed_until=now + lease, attempts=LogoutDelivery.attempts + 1,
        ).where(LogoutDelivery.id.in_(ids) & _due(now)).execute()
    if not count:
        return []
    return list(LogoutDelivery.select().where(
        (LogoutDelivery.claimed_by == token) & (LogoutDelivery.status == "pending")).order_by(LogoutDelivery.id))


def _post(platform: Platform, delivery: LogoutDelivery) -> tuple[str, str]:
    """One attempt: ("delivered" | "retry" | "abandoned", what happened)."""
    import httpx

    uri = _uri(platform, str(delivery.client_id))
    if not uri:
        return "abandoned", "the tool no longer declares a logout URI"
    sign_in: ToolSignIn = ToolSignIn.get_by_id(delivery.sign_in_id)
    try:
        response = httpx.post(uri, data={"logout_token": logout_token(platform, sign_in)},
                              timeout=platform.settings.web.logout_timeout_seconds)
    except httpx.HTTPError as error:
        return "retry", type(error).__name__
    if response.is_success:
        return "delivered", f"HTTP {response.status_code}"
    # 400 is the tool refusing this token (OpenID Connect Back-Channel Logout 2.8): sending it again changes nothing.
    return ("abandoned" if 400 <= response.status_code < 500 else "retry"), f"HTTP {response.status_code}"


def deliver_due(platform: Platform, limit: int = 20) -> DeliveryCounts:
    """Claim the due notices, send them, record each outcome (only while the claim holds)."""
    counts = DeliveryCounts()
    batch = claim(platform, limit)
    counts.claimed = len(batch)
    for delivery in batch:
        outcome, detail = _post(platform, delivery)
        now = platform.clock.now()
        if outcome == "retry" and delivery.attempts >= MAX_ATTEMPTS:
            outcome = "abandoned"
        changes: dict[str, Any] = {"claimed_by": None, "claimed_until": None, "last_error": detail[:200]}
        if outcome == "retry":
            changes["next_attempt_at"] = now + retry_delay(int(delivery.attempts))
        else:
            changes.update(status=outcome, finished_at=now)
        LogoutDelivery.update(**changes).where(
            (LogoutDelivery.id == delivery.id) & (LogoutDelivery.claimed_by == delivery.claimed_by)).execute()
        counter = "retried" if outcome == "retry" else outcome
        setattr(counts, counter, getattr(counts, counter) + 1)
        log.log(logging.INFO if outcome == "delivered" else logging.WARNING,
                "back-channel logout to %s (attempt %s): %s, %s", delivery.client_id, delivery.attempts, detail, outcome)
    return counts


def deliver_all_due(platform: Platform, limit: int = 20) -> DeliveryCounts:
    total = DeliveryCounts()
    while True:
        counts = deliver_due(platform, limit)
        for field in dataclasses.fields(total):
            setattr(total, field.name, getattr(total, field.name) + getattr(counts, field.name))
        if counts.claimed < limit:
            return total


def _in_thread(platform: Platform) -> None:
    try:
        deliver_all_due(platform)
    except Exception:
        log.exception("back-channel logout delivery failed; it is retried later")
    finally:
        if not platform.database.is_closed():
            platform.database.close()  # this thread's own connection


def deliver_soon(platform: Platform) -> threading.Thread:
    """Send the due notices now, in a background thread (the person never waits for a tool)."""
    thread = threading.Thread(target=_in_thread, args=(platform,), name=THREAD_NAME, daemon=True)
    thread.start()
    return thread


def keep_delivering(platform: Platform, stop: threading.Event, interval: float) -> threading.Thread:
    """Retry the owed notices every ``interval`` seconds until ``stop`` is set (``immo-connect web``)."""
    def run() -> None:
        while not stop.wait(interval):
            _in_thread(platform)

    thread = threading.Thread(target=run, name=f"{THREAD_NAME}-retries", daemon=True)
    thread.start()
    return thread
