"""Password hashes of the earlier tools, accepted once at the first sign-in.

Formats (documented for operators in ``docs/legacy-import.md``):

- bcrypt: ``$2a$``, ``$2b$`` or ``$2y$`` modular crypt strings, cost 4–31.
- PBKDF2-SHA256: ``pbkdf2_sha256$<iterations>$<salt>$<base64 digest>`` (the Django layout;
  the salt is used as its UTF-8 text).
- salted SHA-256: ``sha256$<salt>$<64 hex digits>`` where the digits are
  ``SHA-256(salt + password)`` of the UTF-8 texts.

Passwords are checked as typed (the earlier tools did not normalise them).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re

import bcrypt

LEGACY_KINDS = ("bcrypt", "pbkdf2_sha256", "salted_sha256")
MAX_PBKDF2_ITERATIONS = 5_000_000  # refuse absurd costs that would stall a sign-in

_BCRYPT = re.compile(r"^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$")
_PBKDF2 = re.compile(r"^pbkdf2_sha256\$(\d+)\$([^$]{1,128})\$([A-Za-z0-9+/]+=*)$")
_SHA256 = re.compile(r"^sha256\$([^$]{1,128})\$([0-9a-fA-F]{64})$")


class UnknownHashFormat(ValueError):
    """The text is not one of the supported legacy formats (the message says why)."""


def identify(stored: str) -> str:
    """The kind of a legacy hash, or :class:`UnknownHashFormat` with the reason."""
    stored = stored.strip()
    if stored.startswith("$2"):
        match = _BCRYPT.match(stored)
        if match is None:
            raise UnknownHashFormat("malformed bcrypt hash (expected $2b$<cost>$<53 characters>)")
        if not 4 <= int(match.group(1)) <= 31:
            raise UnknownHashFormat("bcrypt cost outside 4–31")
        return "bcrypt"
    if stored.startswith("pbkdf2_sha256$"):
        match = _PBKDF2.match(stored)
        if match is None:
            raise UnknownHashFormat("malformed PBKDF2-SHA256 hash (expected pbkdf2_sha256$<iterations>$<salt>$<base64>)")
        iterations = int(match.group(1))
        if not 1 <= iterations <= MAX_PBKDF2_ITERATIONS:
            raise UnknownHashFormat(f"PBKDF2 iterations outside 1–{MAX_PBKDF2_ITERATIONS}")
        try:
            digest = base64.b64decode(match.group(3), validate=True)
        except binascii.Error:
            raise UnknownHashFormat("PBKDF2 digest is not valid base64") from None
        if len(digest) < 16:
            raise UnknownHashFormat("PBKDF2 digest shorter than 16 bytes")
        return "pbkdf2_sha256"
    if stored.startswith("sha256$"):
        if _SHA256.match(stored) is None:
            raise UnknownHashFormat("malformed salted SHA-256 hash (expected sha256$<salt>$<64 hex digits>)")
        return "salted_sha256"
    raise UnknownHashFormat("unknown hash format (supported: bcrypt, pbkdf2_sha256$…, sha256$…)")


def verify(stored: str, password: str) -> bool:
    """True when ``password`` matches the legacy hash ``stored``; False for any mismatch."""
    try:
        kind = identify(stored)
    except UnknownHashFormat:
        return False
    stored = stored.strip()
    secret = password.encode("utf-8")
    if kind == "bcrypt":
        # bcrypt only ever read the first 72 bytes; the earlier tools relied on that.
        return bool(bcrypt.checkpw(secret[:72], stored.encode("ascii")))
    if kind == "pbkdf2_sha256":
        _name, iterations, salt, encoded = stored.split("$")
        expected = base64.b64decode(encoded)
        actual = hashlib.pbkdf2_hmac("sha256", secret, salt.encode("utf-8"), int(iterations), len(expected))
        return hmac.compare_digest(actual, expected)
    _name, salt, digest = stored.split("$")
    actual_hex = hashlib.sha256(salt.encode("utf-8") + secret).hexdigest()
    return hmac.compare_digest(actual_hex, digest.lower())
