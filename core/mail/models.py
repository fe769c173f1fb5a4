"""The outbox tables: one row per logical mail, one row per delivery attempt."""

from __future__ import annotations

import peewee

from immo_connect.i18n import N_
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
    # Files sent with the mail (an invoice): sealed JSON, erased with the bodies.
    attachments = peewee.TextField(default="")

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)

    def plain_text(self) -> str:
        from immo_connect.mail._seal import open_sealed

        return open_sealed(str(self.text), str(self.key))

    def html_text(self) -> str:
        from immo_connect.mail._seal import open_sealed

        return open_sealed(str(self.html), str(self.key))

    def attached_files(self) -> list[tuple[str, str, bytes]]:
        """``(file name, MIME type, content)`` of each attachment."""
        import base64
        import json

        from immo_connect.mail._seal import open_sealed

        if not self.attachments:
            return []
        files = json.loads(open_sealed(str(self.attachments), str(self.key)))
        return [(str(f["name"]), str(f["type"]), base64.b64decode(f["data"])) for f in files]


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


def _attachments(db: peewee.Database) -> None:
    present = {column.name for column in db.get_columns("outbox_message")}
    if "attachments" not in present:  # a fresh database has it from migration 1's model
        db.execute_sql("ALTER TABLE outbox_message ADD COLUMN attachments TEXT NOT NULL DEFAULT ''")


MIGRATIONS = [Migration(1, N_("mail outbox"), _create), Migration(2, N_("files attached to mails"), _attachments)]
