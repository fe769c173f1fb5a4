"""Writing mails into the outbox, inside the caller's transaction."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from email.utils import parseaddr

import peewee

from immo_connect.errors import ConflictError, ValidationError
from immo_connect.i18n import LANGUAGES, _
from immo_connect.mail import _binding
from immo_connect.mail._seal import seal
from immo_connect.mail._templates import render
from immo_connect.mail.models import OutboxMessage
from immo_connect.storage import database

_ADDRESS = re.compile(r"^[^@\s<>\"',;]{1,64}@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+$")
MAX_KEY_LENGTH = 200


def message_id_for(key: str, sender: str) -> str:
    """A Message-ID derived from the idempotency key: a resend is recognisably the same mail.

    The key is hashed because it may name an account; the domain is the sender's.
    """
    domain = parseaddr(sender)[1].rpartition("@")[2] or "immo-connect.invalid"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _check(to: str, key: str, language: str | None) -> None:
    if not isinstance(to, str) or len(to) > 254 or not _ADDRESS.match(to):
        raise ValidationError(
            _("{address!r} is not an e-mail address a mail can be sent to.").format(address=str(to)[:80]),
            hint=_("Give one address such as name@example.be."),
            field="to",
        )
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError(
            _("The idempotency key of a mail must be 1 to 200 printable characters."),
            hint=_("Build it from what makes the mail unique, e.g. activation:<account id>:<code id>."),
            field="key",
        )
    if language is not None and language not in LANGUAGES:
        raise ValidationError(
            _("{language!r} is not a supported language.").format(language=language),
            hint=_("Use one of: {languages}.").format(languages=", ".join(LANGUAGES)),
            field="language",
        )


def enqueue(
    *,
    to: str,
    template: str,
    context: Mapping[str, object],
    key: str,
    language: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> OutboxMessage:
    """Put one mail in the outbox, in the caller's open transaction.

    The mail commits or rolls back with the change that causes it; a worker sends it
    later. ``key`` identifies the logical mail: enqueueing the same key again returns the
    row already there and creates nothing (a different recipient or template under the
    same key is a :class:`ConflictError`). The template is rendered now, in ``language``
    (default: the platform language), so a missing placeholder fails here. ``attachments``
    are ``(file name, MIME type, content)`` sent with the mail, sealed like its bodies.
    """
    if not database.obj.in_transaction():
        raise RuntimeError("enqueue() must run inside the transaction of the change that causes the mail")
    _check(to, key, language)
    existing = OutboxMessage.get_or_none(OutboxMessage.key == key)
    if existing is not None:
        return _same(existing, to, template)
    platform = _binding.current_platform()
    settings = platform.settings
    chosen = language or settings.language
    rendered = render(
        template, context, languages=[chosen, settings.language, "fr", "en"], platform=settings.platform,
    )
    now = platform.clock.now()
    try:
        # A savepoint: losing a race on the key must not abort the caller's transaction.
        with database.obj.atomic():
            message: OutboxMessage = OutboxMessage.create(
                key=key, recipient=to, template=template, language=rendered.language,
                subject=rendered.subject[:300], text=seal(rendered.text, key), html=seal(rendered.html, key),
                message_id=message_id_for(key, settings.mail.sender), status="pending",
                attempts=0, created_at=now, next_attempt_at=now,
                attachments=_sealed_files(attachments, key),
            )
    except peewee.IntegrityError:
        return _same(OutboxMessage.get(OutboxMessage.key == key), to, template)
    return message


def _same(existing: OutboxMessage, to: str, template: str) -> OutboxMessage:
    if existing.recipient != to or existing.template != template:
        raise ConflictError(
            _("Another mail was already queued under the key {key}.").format(key=existing.key),
            hint=_("Give each logical mail its own idempotency key."),
            field="key",
        )
    return existing


def _sealed_files(attachments: Sequence[tuple[str, str, bytes]], key: str) -> str:
    if not attachments:
        return ""
    files = [{"name": name, "type": kind, "data": base64.b64encode(content).decode("ascii")}
             for name, kind, content in attachments]
    return seal(json.dumps(files), key)
