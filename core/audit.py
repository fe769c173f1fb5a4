"""The audit log: an append-only record of who did what, to what, with which outcome.

Every change writes its event inside its own transaction (so the log never claims a change
that rolled back, nor misses one that committed). Refusals are recorded too: they are the
events security reviews look for. The table refuses UPDATE and DELETE at the database level.
Wallet movements are the exception: the append-only ledger row of a movement is its audit
record (:mod:`immo_connect.wallet.audit_trail`), and :func:`query` shows both.
Never put secrets or national register numbers in ``detail``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import peewee

from immo_connect.clock import utcnow
from immo_connect.i18n import N_
from immo_connect.storage import BaseModel, Migration

Outcome = Literal["success", "refused", "failed"]
OUTCOMES: tuple[str, ...] = ("success", "refused", "failed")
# The outcomes in words, translated where they are shown (the filters take the codes).
OUTCOME_WORDS: dict[str, str] = {"success": N_("success"), "refused": N_("refusal"), "failed": N_("failure")}

# Keys whose values never enter the log, whatever a caller passes.
_REDACTED_KEYS = ("password", "secret", "token", "code", "national", "pin", "key")


class AuditEvent(BaseModel):
    id = peewee.BigAutoField()
    at = peewee.DateTimeField(index=True)
    actor_id = peewee.BigIntegerField(null=True, index=True)
    actor = peewee.CharField(max_length=200)
    organisation_id = peewee.BigIntegerField(null=True, index=True)
    action = peewee.CharField(max_length=100, index=True)
    target = peewee.CharField(max_length=200, default="")
    outcome = peewee.CharField(max_length=10)
    source = peewee.CharField(max_length=100, default="")
    detail = peewee.TextField(default="{}")


def _create(db: peewee.Database) -> None:
    db.create_tables([AuditEvent])
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql"
        )
        db.execute_sql(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            db.execute_sql(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
            )


MIGRATIONS = [Migration(1, N_("audit log"), _create)]


def _clean(detail: Mapping[str, Any] | None) -> str:
    if not detail:
        return "{}"
    safe = {
        key: ("[redacted]" if any(word in key.lower() for word in _REDACTED_KEYS) else value)
        for key, value in detail.items()
    }
    return json.dumps(safe, default=str, sort_keys=True)


def record(
    action: str,
    *,
    actor_id: int | None = None,
    actor: str = "system",
    organisation_id: int | None = None,
    target: str = "",
    outcome: Outcome = "success",
    source: str = "",
    detail: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the change it records."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    event: AuditEvent = AuditEvent.create(
        at=at or utcnow(), actor_id=actor_id, actor=actor[:200],
        organisation_id=organisation_id, action=action, target=target[:200],
        outcome=outcome, source=source[:100], detail=_clean(detail),
    )
    return event


@dataclasses.dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    organisation_id: int | None = None
    outcome: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def query(filters: AuditFilter = AuditFilter(), *, limit: int = 100) -> Iterator[AuditEvent]:
    """Events matching ``filters``, newest first. ``action`` matches a prefix (``org.``).

    Stored events and wallet movements (read from the ledger) together.
    """
    from immo_connect.wallet import audit_trail  # the wallet builds on this module, not the reverse

    found = [*_stored(filters, limit), *audit_trail.events(filters, limit=limit)]
    found.sort(key=lambda event: event.at, reverse=True)  # same moment: stored events first (a stable sort)
    yield from found[:limit]


def conditions(filters: AuditFilter, *, actor: Any, action: Any, organisation_id: Any,
               at: Any) -> list[Any]:
    """The ``where`` conditions of ``filters`` except the outcome, on the given columns (the
    stored events' own, or those of another source of events such as the wallet ledger)."""
    found: list[Any] = []
    if filters.actor:
        found.append(actor == filters.actor)
    if filters.action:
        found.append(action.startswith(filters.action))
    if filters.organisation_id is not None:
        found.append(organisation_id == filters.organisation_id)
    if filters.since:
        found.append(at >= filters.since)
    if filters.until:
        found.append(at < filters.until)
    return found


def _stored(filters: AuditFilter, limit: int) -> Iterator[AuditEvent]:
    E = AuditEvent
    where = conditions(filters, actor=E.actor, action=E.action, organisation_id=E.organisation_id, at=E.at)
    if filters.outcome:
        where.append(E.outcome == filters.outcome)
    select = E.select().order_by(E.id.desc()).limit(limit)
    yield from select.where(*where) if where else select
