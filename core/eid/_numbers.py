"""The national register number at rest: AES-GCM encrypted, plus a keyed hash for uniqueness.

Both keys are derived from ``settings.secret_key`` with HKDF, one per purpose. The
ciphertext is bound to its account (associated data), so it cannot be copied to another
row. The hash is an HMAC-SHA256: equal numbers give equal hashes (the unique index refuses
a second account), and without the platform key the hash reveals nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from immo_connect.formats.national_number import is_valid

_VERSION = b"\x01"


def _derive(secret_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"immo-connect " + purpose).derive(secret_key)


def number_hash(secret_key: bytes, national_number: str) -> str:
    _check(national_number)
    key = _derive(secret_key, b"national number hash v1")
    return hmac.new(key, national_number.encode("ascii"), hashlib.sha256).hexdigest()


def encrypt_number(secret_key: bytes, account_id: int, national_number: str) -> bytes:
    _check(national_number)
    nonce = os.urandom(12)
    cipher = AESGCM(_derive(secret_key, b"national number encryption v1"))
    return _VERSION + nonce + cipher.encrypt(nonce, national_number.encode("ascii"), _aad(account_id))


def decrypt_number(secret_key: bytes, account_id: int, blob: bytes) -> str:
    if not blob or blob[:1] != _VERSION or len(blob) < 1 + 12 + 16:
        raise ValueError("unknown national number encryption")
    cipher = AESGCM(_derive(secret_key, b"national number encryption v1"))
    return cipher.decrypt(blob[1:13], blob[13:], _aad(account_id)).decode("ascii")


def _check(national_number: str) -> None:
    # Only a valid national or BIS number (in its 11-digit form) is ever stored.
    if len(national_number) != 11 or not is_valid(national_number):
        raise ValueError("not a valid national register number")


def _aad(account_id: int) -> bytes:
    return f"account:{account_id}".encode("ascii")
