"""Web eID: the authentication token a browser extension makes with the card (format ``web-eid:1``).

The page ``/eid/web/<code>`` of ``immo-connect web`` asks the Web eID extension to
``authenticate(challengeNonce)``. The extension has the official eID software sign, with
the card's Authentication key, ``hash(origin) || hash(challengeNonce)`` and returns::

    {"unverifiedCertificate": base64 DER, "algorithm": "ES384" | "RS256" | "PS256" | …,
     "signature": base64, "format": "web-eid:1.0", "appVersion": "https://web-eid.eu/…"}

The hash is the algorithm's (SHA-384 for ES384); the origin is this platform's web
address (scheme, host, port); the nonce is the base64 of the challenge's 32 random bytes,
issued by the platform, valid a few minutes and accepted once. ECDSA signatures are the
raw ``r || s``. The certificate is checked as a card's: issued by a citizen CA
(``[eid] citizen_cas``) itself issued by a pinned root, each valid today, then revocation.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import NameOID

from immo_connect.eid.errors import SignatureInvalid, TokenInvalid

if TYPE_CHECKING:
    from immo_connect.accounts.models import Account
    from immo_connect.eid.models import EidChallenge
    from immo_connect.eid.service import EidService, LinkResult
    from immo_connect.eid.verify import VerifiedCertificate

FORMAT_PREFIX = "web-eid:1"
MAX_TOKEN = 16 * 1024  # a certificate and a signature: about 3 KB
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


@dataclasses.dataclass(frozen=True)
class WebEidToken:
    certificate: bytes  # DER of the authentication certificate (unverified until checked)
    algorithm: str
    signature: bytes
    format: str
    app_version: str

    def __repr__(self) -> str:
        return f"WebEidToken({self.format}, {self.algorithm})"


def nonce_of(challenge_nonce: bytes) -> str:
    """The ``challengeNonce`` given to the extension: base64 of the challenge's random bytes."""
    return base64.b64encode(challenge_nonce).decode("ascii")


def origin_of(address: str) -> str:
    """The ASCII serialisation of a web address's origin (``https://host[:port]``)."""
    parts = urlsplit(address)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{(parts.hostname or '').lower()}{port}"


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise TokenInvalid.make(f"Web eID token: {what} missing")
    try:  # the extension uses standard base64; URL-safe is accepted too
        return base64.b64decode(value.replace("-", "+").replace("_", "/") + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise TokenInvalid.make(f"Web eID token: {what} not base64") from None


def parse_token(text: str | bytes) -> WebEidToken:
    """The token's fields, checked for shape (nothing is trusted yet)."""
    if len(text) > MAX_TOKEN:
        raise TokenInvalid.make("Web eID token too large")
    try:
        fields: Any = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise TokenInvalid.make("Web eID token not JSON") from None
    if not isinstance(fields, dict):
        raise TokenInvalid.make("Web eID token not an object")
    token_format = fields.get("format")
    if not isinstance(token_format, str) or not (token_format == FORMAT_PREFIX or token_format.startswith(FORMAT_PREFIX + ".")):
        raise TokenInvalid.make(f"Web eID token format {token_format!r} is not web-eid:1")
    algorithm = fields.get("algorithm")
    if not isinstance(algorithm, str) or algorithm[:2] not in ("ES", "RS", "PS") or algorithm[2:] not in _HASHES:
        raise TokenInvalid.make(f"Web eID token algorithm {algorithm!r} unsupported")
    app_version = fields.get("appVersion")
    return WebEidToken(
        certificate=_b64(fields.get("unverifiedCertificate"), "unverifiedCertificate"),
        algorithm=algorithm, signature=_b64(fields.get("signature"), "signature"), format=token_format,
        app_version=app_version if isinstance(app_version, str) else "",
    )


def signed_data(algorithm: str, origin: str, nonce: str) -> tuple[bytes, hashes.HashAlgorithm]:
    """What the card signs for a Web eID token: ``hash(origin) || hash(nonce)``, and the hash."""
    hash_type = _HASHES[algorithm[2:]]

    def digest(data: str) -> bytes:
        hasher = hashes.Hash(hash_type())
        hasher.update(data.encode("utf-8"))
        return hasher.finalize()

    return digest(origin) + digest(nonce), hash_type()


def verify_signature(certificate: x509.Certificate, token: WebEidToken, origin: str, nonce: str) -> None:
    """The token's signature over this origin and this nonce, by the certificate's key."""
    data, algorithm = signed_data(token.algorithm, origin, nonce)
    key = certificate.public_key()
    family = token.algorithm[:2]
    try:
        if family == "ES" and isinstance(key, ec.EllipticCurvePublicKey):
            half = len(token.signature) // 2
            if len(token.signature) % 2 or half == 0:
                raise InvalidSignature
            der = utils.encode_dss_signature(int.from_bytes(token.signature[:half], "big"),
                                             int.from_bytes(token.signature[half:], "big"))
            key.verify(der, data, ec.ECDSA(algorithm))
        elif family == "RS" and isinstance(key, rsa.RSAPublicKey):
            key.verify(token.signature, data, padding.PKCS1v15(), algorithm)
        elif family == "PS" and isinstance(key, rsa.RSAPublicKey):
            key.verify(token.signature, data, padding.PSS(padding.MGF1(algorithm), algorithm.digest_size), algorithm)
        else:
            raise InvalidSignature
    except InvalidSignature:
        raise SignatureInvalid.make(detail=f"Web eID token signature ({token.algorithm}) invalid") from None


def _name_part(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    values = certificate.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def link_certificate(service: EidService, account: Account, verified: VerifiedCertificate, *,
                     challenge: EidChallenge) -> LinkResult:
    """Link what a Web eID token proves: the holder's national number and names (from the
    certificate; the card's files, address and photo never reach the browser)."""
    from immo_connect.accounts.profile import apply_eid_identity
    from immo_connect.eid.models import LinkedCard
    from immo_connect.eid.service import LinkResult
    from immo_connect.eid.verify import national_number_of

    certificate = verified.auth_cert
    first_names = _name_part(certificate, NameOID.GIVEN_NAME)
    surname = _name_part(certificate, NameOID.SURNAME)
    valid_from = certificate.not_valid_before_utc.replace(tzinfo=None)
    valid_until = certificate.not_valid_after_utc.replace(tzinfo=None)

    def write(account_id: int, now: dt.datetime) -> None:
        apply_eid_identity(account_id, now=now, first_name=first_names[:100], last_name=surname[:100])
        service._platform.organisations.refresh_sort_names(account_id)  # employee lists sort by the name
        LinkedCard.delete().where(LinkedCard.account == account_id).execute()
        LinkedCard.create(
            account=account_id, applet="", card_number="", card_valid_from=valid_from.date(),
            card_valid_until=valid_until.date(), surname=surname[:120], first_names=first_names[:120],
            certificate_valid_until=valid_until, root=verified.anchor.name[:300], revocation=verified.revocation,
            method="webeid", verified_at=now,
        )

    found = service.link_number(account, national_number_of(certificate), method="webeid", challenge=challenge,
                                write=write, detail={"revocation": verified.revocation, "root": verified.anchor.name})
    return LinkResult(
        account_id=int(account.id), first_names=first_names, surname=surname, applet="", card_number="",
        card_valid_until=valid_until.date(), revocation=verified.revocation, method="webeid",
        recognitions_found=found,
    )
