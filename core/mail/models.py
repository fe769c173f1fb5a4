"""The outbox tables: one row per logical mail, one row per delivery attempt."""

from __future__ import annotations

import peewee

from immo_connect.storage import BaseModel, Migration

# pending → sent, or pending → abandoned (after max_attempts or a permanent refusal).
MAIL_STATUSES: tuple[str, ...] = ("pending", "sent", "abandoned")


class OutboxMessage(BaseModel):
    """A mail waiting for delivery or already delivered.

    ``text`` and ``html`` are sealed (encrypted with a key derived from the platform key),
    because mails carry one-time codes that must not be readable from a database copy.
    Read them with :meth:`plain_text` and :meth:`html_text`.
    """

    id = peewee.BigAutoField()
    key = peewee.CharField(max_length=200, unique=True)  # idempotency key of the logical mail
    recipient = peewee.CharField(max_length=254, index=True)
    template = peewee.CharField(max_length=100)
    language = peewee.CharField(max_length=5)
    subject = peewee.CharField(max_length=300)
    text = peewee.TextField()
    html = peewee.TextField()
    message_id = peewee.CharField(max_length=255)
    status = peewee.CharField(max_length=10, default="pending")
    attempts = peewee.IntegerField(default=0)
    created_at = peewee.DateTimeField()
    next_attempt_at = peewee.DateTimeField()
    # A claim is a lease: a worker that dies leaves claimed_until in the past, and the row
    # becomes claimable again. claimed_by stays set after delivery (who sent it).
    claimed_by = peewee.CharField(max_length=100, null=True)
    claimed_until = peewee.DateTimeField(null=True)
    sent_at = peewee.DateTimeField(null=True)
    last_error = peewee.TextField(default="")

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)

    def plain_text(self) -> str:
        from immo_connect.mail._seal import open_sealed

        return open_sealed(str(self.text), str(self.key))

    def html_text(self) -> str:
        from immo_connect.mail._seal import open_sealed

        return open_sealed(str(self.html), str(self.key))


class OutboxAttempt(BaseModel):
    """One delivery attempt and its outcome, for the operator (``immo-connect mail show``)."""

    id = peewee.BigAutoField()
    message = peewee.ForeignKeyField(OutboxMessage, backref="attempt_rows", on_delete="CASCADE")
    at = peewee.DateTimeField()
    worker = peewee.CharField(max_length=100)
    outcome = peewee.CharField(max_length=10)  # sent, retry, abandoned
    error = peewee.TextField(default="")


def _create(db: peewee.Database) -> None:
    db.create_tables([OutboxMessage, OutboxAttempt])


MIGRATIONS = [Migration(1, "mail outbox", _create)]
