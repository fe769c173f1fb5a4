"""Transactional e-mail: an outbox in the database and workers that deliver it.

Services call :func:`enqueue` inside the transaction of the change that causes a mail;
``immo-connect worker`` (or :func:`start_background_delivery` inside the TUI) sends it
later through SMTP or into a local maildir. See ``docs/mail.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from immo_connect.mail._binding import bind
from immo_connect.mail._enqueue import enqueue, message_id_for
from immo_connect.mail._templates import MailTemplateError, render
from immo_connect.mail.models import MAIL_STATUSES, OutboxMessage

if TYPE_CHECKING:
    from immo_connect.mail._background import (
        BackgroundDelivery,
        start_background_delivery,
    )
    from immo_connect.mail._outbox import DeliveryReport, Outbox

__all__ = [
    "MAIL_STATUSES",
    "BackgroundDelivery",
    "DeliveryReport",
    "MailTemplateError",
    "Outbox",
    "OutboxMessage",
    "bind",
    "enqueue",
    "message_id_for",
    "render",
    "start_background_delivery",
]

_LAZY = {
    "Outbox": "immo_connect.mail._outbox",
    "DeliveryReport": "immo_connect.mail._outbox",
    "BackgroundDelivery": "immo_connect.mail._background",
    "start_background_delivery": "immo_connect.mail._background",
}


def __getattr__(name: str) -> Any:
    # The delivery side imports platform/audit; keep it out of the services' import path.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
