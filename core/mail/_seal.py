"""Mail bodies at rest: AES-GCM with a key derived from the platform key.

The idempotency key of the mail is the associated data, so a sealed body cannot be moved
to another row unnoticed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from immo_connect.errors import ConfigurationError
from immo_connect.i18n import _
from immo_connect.mail._binding import current_settings

_PREFIX = "v1:"


def _key() -> bytes:
    secret = current_settings().secret_key
    return hmac.new(secret, b"immo-connect/mail-body/v1", hashlib.sha256).digest()


def seal(text: str, key: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key()).encrypt(nonce, text.encode("utf-8"), key.encode("utf-8"))
    return _PREFIX + base64.b64encode(nonce + sealed).decode("ascii")


class SealError(ConfigurationError):
    """A body sealed under another platform key (another data directory or secret_key)."""

    code = "mail_key"


def open_sealed(value: str, key: str) -> str:
    if not value.startswith(_PREFIX):
        return value
    raw = base64.b64decode(value[len(_PREFIX):])
    try:
        return AESGCM(_key()).decrypt(raw[:12], raw[12:], key.encode("utf-8")).decode("utf-8")
    except InvalidTag:
        raise SealError(
            _("This mail was queued with another platform key and cannot be read here."),
            hint=_("Give every process the same [security] secret_key, or the same data directory."),
        ) from None
