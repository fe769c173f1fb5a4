"""The outbox service (``platform.outbox``): delivery of due mails and the operator's view.

Delivery is safe with any number of workers in any number of processes: a worker claims a
batch with one conditional UPDATE (the conditions are re-checked on each row, and on
PostgreSQL rows locked by another worker are skipped), then reads back exactly the rows its
own claim token won. A claim is a lease; a worker that dies leaves its rows claimable again
once the lease ends. Outcomes are written only while the claim is still held.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import random
import secrets
import socket
from collections.abc import Callable, Iterator
from email.message import Message
from typing import Any, Self

from immo_connect import audit
from immo_connect.errors import ImmoConnectError, NotFoundError, ValidationError
from immo_connect.i18n import _
from immo_connect.mail._mime import build
from immo_connect.mail._transport import (
    Transport,
    describe,
    is_permanent,
    transport_for,
)
from immo_connect.mail.models import MAIL_STATUSES, OutboxAttempt, OutboxMessage
from immo_connect.platform import Platform
from immo_connect.storage import is_postgres, transaction

log = logging.getLogger("immo_connect.mail")


@dataclasses.dataclass
class DeliveryReport:
    """What one :meth:`Outbox.deliver_due` call did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    abandoned: int = 0
    lost: int = 0  # outcomes dropped because the claim had expired and another worker took it

    def __iadd__(self, other: DeliveryReport) -> Self:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self


class AttemptsExhausted(Exception):
    """A mail whose claims keep expiring (its worker dies while sending it)."""


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


class Outbox:
    def __init__(
        self,
        platform: Platform,
        *,
        transport: Transport | None = None,
        rng: random.Random | None = None,
        worker: str | None = None,
    ) -> None:
        self.platform = platform
        self.settings = platform.settings
        self._transport = transport
        self.rng = rng or random.SystemRandom()
        self.worker = (worker or worker_name())[:80]

    @property
    def transport(self) -> Transport:
        if self._transport is None:
            self._transport = transport_for(self.settings)
        return self._transport

    # -- delivery -----------------------------------------------------------------------

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """Exponential backoff with full jitter: uniform in [0, min(max, base·2^(n-1))]."""
        section = self.settings.mail
        ceiling = min(section.retry_max_seconds, section.retry_base_seconds * 2 ** max(attempts - 1, 0))
        return dt.timedelta(seconds=self.rng.uniform(0, ceiling))

    def _due(self, now: dt.datetime, due_before: dt.datetime | None = None) -> Any:
        return (
            (OutboxMessage.status == "pending")
            & (OutboxMessage.next_attempt_at <= (due_before or now))
            & (OutboxMessage.claimed_until.is_null() | (OutboxMessage.claimed_until < now))
        )

    def claim(self, limit: int, *, due_before: dt.datetime | None = None) -> list[OutboxMessage]:
        """Take up to ``limit`` due mails for this worker; no other worker gets them.

        Under contention a claim may return fewer rows than are due (rows another worker
        took meanwhile drop out after the LIMIT); callers loop until nothing is due.
        """
        now = self.platform.clock.now()
        token = f"{self.worker}#{secrets.token_hex(4)}"
        due = self._due(now, due_before)
        candidates = (
            OutboxMessage.select(OutboxMessage.id).where(due)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
        )
        if is_postgres():
            # Rows another worker is claiming right now are skipped, not waited for.
            candidates = candidates.for_update(skip_locked=True)
        # Two statements in one transaction: PostgreSQL may re-evaluate a LIMIT subquery
        # inside an UPDATE, so the ids are fixed first. SQLite serialises the transaction.
        with transaction():
            ids = [row.id for row in candidates]
            count = ids and (
                OutboxMessage.update(
                    claimed_by=token,
                    claimed_until=now + dt.timedelta(seconds=self.settings.mail.lease_seconds),
                    attempts=OutboxMessage.attempts + 1,
                )
                .where(OutboxMessage.id.in_(ids) & due)
                .execute()
            )
        if not count:
            return []
        return list(
            OutboxMessage.select()
            .where((OutboxMessage.claimed_by == token) & (OutboxMessage.status == "pending"))
            .order_by(OutboxMessage.id)
        )

    def mime(self, message: OutboxMessage) -> Message:
        return build(
            sender=self.settings.mail.sender, recipient=str(message.recipient), subject=str(message.subject),
            message_id=str(message.message_id), language=str(message.language), date=self.platform.clock.now(),
            text=message.plain_text(), html=message.html_text(), attachments=message.attached_files(),
        )

    def deliver_due(self, limit: int = 20, *, due_before: dt.datetime | None = None) -> DeliveryReport:
        """Claim up to ``limit`` due mails, send them, and record each outcome."""
        if limit < 1:
            raise ValidationError(_("The batch size must be at least 1."), hint=_("Give a positive number."))
        report = DeliveryReport()
        batch = self.claim(limit, due_before=due_before)
        report.claimed = len(batch)
        if not batch:
            return report
        outcomes: dict[int, BaseException | None] = {}
        ready: list[tuple[OutboxMessage, Message]] = []
        for message in batch:
            if int(message.attempts) > self.settings.mail.max_attempts:
                # Claimed again and again without an outcome: workers die on this mail.
                outcomes[int(message.id)] = AttemptsExhausted(
                    f"no outcome recorded for {int(message.attempts) - 1} claims; the worker stopped each time")
                continue
            try:
                ready.append((message, self.mime(message)))
            except (ImmoConnectError, ValueError) as error:  # e.g. sealed under another key: this mail only
                log.warning("mail %s cannot be built: %s", message.id, describe(error))
                outcomes[int(message.id)] = error
        if ready:
            try:
                sent = self.transport.send([mime for _message, mime in ready])
            except Exception as error:  # any transport fault is a failed attempt of the batch
                log.exception("mail transport failed")
                sent = [error] * len(ready)
            outcomes.update({int(m.id): outcome for (m, _mime), outcome in zip(ready, sent, strict=True)})
        for message in batch:
            self._record(message, outcomes[int(message.id)], report)
        return report

    def deliver_all_due(self, limit: int = 20, *, should_stop: Callable[[], bool] | None = None) -> DeliveryReport:
        """Deliver batch after batch until nothing that was due at the start remains.

        Each mail is tried at most once per call: a mail put back for a retry is due after
        the start. ``should_stop`` is asked between batches (a worker's stop signal).
        """
        start = self.platform.clock.now()
        total = DeliveryReport()
        while not (should_stop and should_stop()):
            report = self.deliver_due(limit, due_before=start)
            total += report
            if not report.claimed and not self.has_due(due_before=start):
                break
        return total

    def has_due(self, *, due_before: dt.datetime | None = None) -> bool:
        """Whether a mail is waiting for a worker (due and not claimed by a live worker)."""
        now = self.platform.clock.now()
        return OutboxMessage.select(OutboxMessage.id).where(self._due(now, due_before)).exists()

    def _record(self, message: OutboxMessage, error: BaseException | None, report: DeliveryReport) -> None:
        now = self.platform.clock.now()
        held = (OutboxMessage.id == message.id) & (OutboxMessage.claimed_by == message.claimed_by) & (
            OutboxMessage.status == "pending")
        attempts = int(message.attempts)
        text = "" if error is None else describe(error)
        if error is None:
            outcome, changes = "sent", {"status": "sent", "sent_at": now, "claimed_until": None, "last_error": ""}
        elif attempts >= self.settings.mail.max_attempts or is_permanent(error):
            outcome = "abandoned"
            changes = {"status": "abandoned", "claimed_until": None, "last_error": text}
        else:
            outcome = "retry"
            changes = {"next_attempt_at": now + self.retry_delay(attempts), "claimed_until": None,
                       "last_error": text}
        with transaction():
            if not OutboxMessage.update(**changes).where(held).execute():
                report.lost += 1
                log.warning("mail %s: claim expired before its outcome (%s) was recorded", message.id, outcome)
                return
            OutboxAttempt.create(message=message.id, at=now, worker=str(message.claimed_by)[:100],
                                 outcome=outcome, error=text)
            if outcome == "abandoned":
                audit.record(
                    "mail.abandoned", actor="system", target=f"mail:{message.id}", outcome="failed",
                    source=f"worker:{self.worker}", at=now,
                    detail={"template": message.template, "attempts": attempts,
                            "error": type(error).__name__},
                )
        if outcome == "sent":
            report.sent += 1
        elif outcome == "retry":
            report.retried += 1
        else:
            report.abandoned += 1
        if error is not None:
            log.info("mail %s (%s) attempt %d: %s -> %s", message.id, message.template, attempts, text, outcome)

    # -- reading ------------------------------------------------------------------------

    def pending(self, limit: int = 100) -> list[OutboxMessage]:
        """Mails not yet delivered nor abandoned, oldest first."""
        return list(
            OutboxMessage.select().where(OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id).limit(limit)
        )

    def list(self, *, status: str | None = None, to: str | None = None, limit: int = 50) -> list[OutboxMessage]:
        """Mails newest first, optionally only one status or one recipient."""
        if status is not None and status not in MAIL_STATUSES:
            raise ValidationError(
                _("{status!r} is not a mail status.").format(status=status),
                hint=_("Use one of: {statuses}.").format(statuses=", ".join(MAIL_STATUSES)),
            )
        query = OutboxMessage.select().order_by(OutboxMessage.id.desc()).limit(limit)
        if status:
            query = query.where(OutboxMessage.status == status)
        if to:
            query = query.where(OutboxMessage.recipient == to.strip())
        return list(query)

    def get(self, message_id: int) -> OutboxMessage:
        message = OutboxMessage.get_or_none(OutboxMessage.id == message_id)
        if message is None:
            raise NotFoundError(
                _("There is no mail number {id} in the outbox.").format(id=message_id),
                hint=_("Run 'immo-connect mail' to list the mails and their numbers."),
            )
        return message

    def attempts(self, message: OutboxMessage) -> Iterator[OutboxAttempt]:
        yield from OutboxAttempt.select().where(OutboxAttempt.message == message.id).order_by(OutboxAttempt.id)

    def counts(self) -> dict[str, int]:
        """How many mails per status (every status present, zero included)."""
        from peewee import fn

        rows = (
            OutboxMessage.select(OutboxMessage.status, fn.COUNT(OutboxMessage.id))
            .group_by(OutboxMessage.status).tuples()
        )
        found: dict[str, int] = {str(row[0]): int(row[1]) for row in rows.iterator()}
        return {status: int(found.get(status, 0)) for status in MAIL_STATUSES}

    def requeue(self, message_id: int) -> OutboxMessage:
        """Give an abandoned mail a fresh set of attempts (after fixing the transport)."""
        with transaction():
            message = self.get(message_id)
            if message.status != "abandoned":
                raise ValidationError(
                    _("Mail number {id} is {status}; only abandoned mails can be queued again.").format(
                        id=message_id, status=message.status),
                    hint=_("Pending mails are retried on their own; sent mails are not sent twice."),
                )
            if not message.text:
                raise ValidationError(
                    _("Mail number {id} can no longer be sent: its text was erased.").format(id=message_id),
                    hint=_("Start the action that sends this mail again (e.g. ask for a new code)."),
                )
            OutboxMessage.update(
                status="pending", attempts=0, next_attempt_at=self.platform.clock.now(), claimed_until=None,
            ).where(OutboxMessage.id == message_id).execute()
            audit.record("mail.requeued", actor="system", target=f"mail:{message_id}",
                         source=self.platform.source, detail={"template": message.template})
        return self.get(message_id)

    def erase_old_bodies(self, days: int | None = None) -> int:
        """Erase text and HTML of mails sent or abandoned more than ``days`` ago.

        The row stays (status, recipient, subject, idempotency key), so nothing is sent twice;
        the one-time codes in the bodies do not outlive their use. Returns how many.
        """
        keep = self.settings.mail.keep_bodies_days if days is None else days
        if keep < 0:
            raise ValidationError(_("The number of days must not be negative."), hint=_("Give 0 or more days."))
        cutoff = self.platform.clock.now() - dt.timedelta(days=keep)
        with transaction():
            return int(
                OutboxMessage.update(text="", html="", attachments="")
                .where((OutboxMessage.status != "pending") & (OutboxMessage.created_at < cutoff)
                       & (OutboxMessage.text != ""))
                .execute()
            )
