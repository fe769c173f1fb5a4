"""The keys that sign ID tokens, kept in the database sealed with the platform key.

Private keys are AES-GCM encrypted under a key derived (HKDF) from ``settings.secret_key``,
bound to their ``kid``, like the national numbers. The newest unretired key signs; a retired
key stays in the JWKS until every ID token it signed has expired. Decrypted keys are cached
per process by ``kid`` (a cache only: any process can rebuild it from the database).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import RSAKey

from immo_connect.oidc.models import SigningKey
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform

ALGORITHM = "RS256"
_VERSION = b"\x01"
_cache: dict[tuple[bytes, str], RSAKey] = {}


def _cipher(secret_key: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"immo-connect oidc signing key v1").derive(secret_key)
    return AESGCM(derived)


def seal(secret_key: bytes, kid: str, pem: bytes) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + _cipher(secret_key).encrypt(nonce, pem, kid.encode("ascii"))


def unseal(secret_key: bytes, kid: str, blob: bytes) -> bytes:
    if blob[:1] != _VERSION:
        raise ValueError("unknown signing key encryption")
    return _cipher(secret_key).decrypt(blob[1:13], blob[13:], kid.encode("ascii"))


def create_key(platform: Platform) -> SigningKey:
    """A new signing key; from now on it signs (call inside or outside a transaction)."""
    kid = secrets.token_urlsafe(12)
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})
    pem = key.as_pem(private=True)
    with transaction():
        row: SigningKey = SigningKey.create(
            kid=kid, algorithm=ALGORITHM, public_jwk=json.dumps(key.as_dict(private=False)),
            private_sealed=seal(platform.settings.secret_key, kid, pem), created_at=platform.clock.now(),
        )
    return row


def rotate(platform: Platform) -> SigningKey:
    """Retire the signing keys in use and create a new one; the old ones stay published
    until the ID tokens they signed have expired."""
    now = platform.clock.now()
    with transaction():
        SigningKey.update(retired_at=now).where(SigningKey.retired_at.is_null()).execute()
        return create_key(platform)


def signing_key(platform: Platform) -> RSAKey:
    """The key that signs now (created on first use)."""
    row: SigningKey | None = (
        SigningKey.select().where(SigningKey.retired_at.is_null()).order_by(SigningKey.id.desc()).first()
    )
    if row is None:
        row = create_key(platform)
    cache_key = (platform.settings.secret_key, str(row.kid))
    key = _cache.get(cache_key)
    if key is None:
        pem = unseal(platform.settings.secret_key, row.kid, bytes(row.private_sealed))
        key = RSAKey.import_key(pem, parameters={"kid": row.kid, "use": "sig", "alg": ALGORITHM})
        _cache[cache_key] = key
    return key


def published(platform: Platform) -> dict[str, Any]:
    """The JWKS document: the signing key and the retired keys whose tokens may still be valid."""
    signing_key(platform)  # a provider always publishes at least one key
    keep_since = platform.clock.now() - dt.timedelta(minutes=max(
        platform.settings.web.id_token_minutes, platform.settings.web.access_token_minutes))
    rows = SigningKey.select().where(
        SigningKey.retired_at.is_null() | (SigningKey.retired_at > keep_since)
    ).order_by(SigningKey.id.desc())
    return {"keys": [json.loads(row.public_jwk) for row in rows]}
