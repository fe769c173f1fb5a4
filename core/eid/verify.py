"""Verify everything read from a card before trusting any of it.

The order: parse the files; the photo against its hash in the identity file; the
certificate chain (the card's root pinned by key, then the National Register certificate,
the citizen CA and the authentication certificate, each signed by its issuer and valid
today); the identity and address signatures of the National Register; the basic key hash
(1.8); the national number of the authentication certificate against the identity file;
and the revocation of the authentication certificate when a source is configured.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import logging
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import NameOID

from immo_connect.eid.card import CardFiles, cut_der
from immo_connect.eid.errors import (
    CardDataAltered,
    CardDataInvalid,
    CertificateNotVerified,
    NationalNumberMismatch,
    SignatureInvalid,
)
from immo_connect.eid.revocation import RevocationChecker, Revoked, Status, Unavailable
from immo_connect.eid.tlv import Address, Identity, parse_address, parse_identity
from immo_connect.eid.trust import Anchor, TrustStore
from immo_connect.i18n import _

if TYPE_CHECKING:
    from immo_connect.config import Settings

log = logging.getLogger("immo_connect.eid")

_HASH_BY_LENGTH: dict[int, hashes.HashAlgorithm] = {20: hashes.SHA1(), 32: hashes.SHA256(), 48: hashes.SHA384()}


@dataclasses.dataclass(frozen=True)
class VerifiedCard:
    """A card whose data, certificates and (when configured) revocation were checked."""

    files: CardFiles
    identity: Identity
    address: Address
    auth_cert: x509.Certificate
    ca_cert: x509.Certificate
    rrn_cert: x509.Certificate
    anchor: Anchor
    revocation: Status

    @property
    def applet(self) -> str:
        return f"{self.files.applet_version >> 4}.{self.files.applet_version & 0xF}"

    def __repr__(self) -> str:
        return f"VerifiedCard(applet={self.applet}, card={self.identity.card_number})"


@dataclasses.dataclass(frozen=True)
class VerifiedCertificate:
    """An authentication certificate alone (Web eID): chain, dates and revocation checked."""

    auth_cert: x509.Certificate
    ca_cert: x509.Certificate
    anchor: Anchor
    revocation: Status


@dataclasses.dataclass(frozen=True)
class Verifier:
    trust: TrustStore
    support_email: str
    revocation: RevocationChecker = dataclasses.field(default_factory=RevocationChecker)
    # Citizen CAs for certificates that come without their chain (Web eID sends only the leaf).
    citizen_cas: tuple[x509.Certificate, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> Verifier:
        """The verifier the configuration describes: trust anchors, revocation sources and
        the support address named in refusals."""
        eid = settings.eid
        from immo_connect.eid.trust import load_certificates

        return cls(
            trust=TrustStore.load(eid.trust_anchors), support_email=settings.platform.support_email,
            revocation=RevocationChecker(eid.crl_files, eid.ocsp_url, eid.ocsp_timeout_seconds),
            citizen_cas=tuple(c for path in eid.citizen_cas for c in load_certificates(path)),
        )

    # -- errors ------------------------------------------------------------------------

    def _certificate_error(self, reason: str, detail: str) -> CertificateNotVerified:
        log.warning("eID certificate not verified: %s", detail)
        return CertificateNotVerified.make(reason, support_email=self.support_email, detail=detail)

    # -- the whole check -----------------------------------------------------------------

    def verify(self, files: CardFiles, now: dt.datetime) -> VerifiedCard:
        now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
        identity = parse_identity(files.identity)
        address = parse_address(files.address)
        self._check_photo(files, identity)
        rrn_cert = _load_certificate(files.rrn_cert, "National Register certificate")
        root_cert = _load_certificate(files.root_cert, "root certificate")
        anchor = self._pinned_anchor(root_cert, now)
        self._check_issued(rrn_cert, anchor.certificate, now, "National Register certificate", shared=True)
        if files.ca_cert is None or files.auth_cert is None:
            raise self._certificate_error(
                _("the card has no authentication certificate (cards of young children have none)"),
                "authentication or CA certificate absent",
            )
        ca_cert = _load_certificate(files.ca_cert, "CA certificate")
        auth_cert = _load_certificate(files.auth_cert, "authentication certificate")
        self._check_issued(ca_cert, anchor.certificate, now, "citizen CA certificate", shared=True)
        self._require_ca(ca_cert)
        self._check_issued(auth_cert, ca_cert, now, "authentication certificate")
        self._check_data_signatures(files, identity, rrn_cert)
        if (identity.basic_key_hash is not None and files.basic_key is not None
                and hashlib.sha384(files.basic_key).digest() != identity.basic_key_hash):
            raise CardDataAltered.make(_("basic key"), detail="basic key hash mismatch")
        if identity.validity_end < now.date():
            raise self._certificate_error(_("the card has expired"), "card validity end passed")
        if national_number_of(auth_cert) != identity.national_number:
            raise NationalNumberMismatch.make(detail="auth certificate serialNumber differs from identity file")
        status = self._check_revocation(auth_cert, ca_cert, now)
        return VerifiedCard(files, identity, address, auth_cert, ca_cert, rrn_cert, anchor, status)

    def verify_certificate(self, der: bytes, now: dt.datetime) -> VerifiedCertificate:
        """An authentication certificate without the card's files: the same chain, dates and
        revocation checks as a card's (its citizen CA from ``citizen_cas``, that CA's root pinned)."""
        now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
        auth_cert = _load_certificate(der, "authentication certificate")
        issuers = [ca for ca in self.citizen_cas if ca.subject == auth_cert.issuer and not _issued_by(auth_cert, ca)]
        if not issuers:
            raise self._certificate_error(
                _("it was not issued by a known Belgian citizen authority"),
                f"no configured citizen CA issued {auth_cert.issuer.rfc4514_string()}",
            )
        ca_cert = max(issuers, key=lambda ca: ca.not_valid_after_utc)
        roots = [anchor for anchor in self.trust.anchors
                 if anchor.certificate.subject == ca_cert.issuer and not _issued_by_cached(ca_cert, anchor.certificate)]
        if not roots:
            raise self._certificate_error(
                _("it was not issued by a trusted Belgian root authority"), "citizen CA not issued by a pinned root")
        anchor = self._pinned_anchor(roots[0].certificate, now)
        self._check_issued(ca_cert, anchor.certificate, now, "citizen CA certificate", shared=True)
        self._require_ca(ca_cert)
        self._check_issued(auth_cert, ca_cert, now, "authentication certificate")
        if not national_number_of(auth_cert):
            raise self._certificate_error(
                _("it is not the authentication certificate of an identity card"), "no serialNumber in the subject")
        status = self._check_revocation(auth_cert, ca_cert, now)
        return VerifiedCertificate(auth_cert, ca_cert, anchor, status)

    def _check_photo(self, files: CardFiles, identity: Identity) -> None:
        algorithm = _HASH_BY_LENGTH[len(identity.photo_hash)]
        digest = hashes.Hash(algorithm)
        digest.update(files.photo)
        if digest.finalize() != identity.photo_hash:
            raise CardDataAltered.make(_("photo"), detail="photo hash mismatch")

    def _pinned_anchor(self, root_cert: x509.Certificate, now: dt.datetime) -> Anchor:
        anchors = self.trust.matching(root_cert)
        if not anchors:
            raise self._certificate_error(
                _("it was not issued by a trusted Belgian root authority"),
                f"root {root_cert.subject.rfc4514_string()} is not pinned",
            )
        valid = [anchor for anchor in anchors if anchor.valid_at(now)]
        if not valid:
            raise self._certificate_error(_("the root authority of the card has expired"), "pinned root expired")
        # Two certificates can share the key (Root CA4): keep the one valid longest.
        return max(valid, key=lambda a: a.certificate.not_valid_after_utc)

    def _check_issued(
        self, certificate: x509.Certificate, issuer: x509.Certificate, now: dt.datetime, what: str,
        *, shared: bool = False,
    ) -> None:
        """``certificate`` is signed by ``issuer`` and valid now.

        ``shared`` certificates (the citizen CA, the National Register) are the same on
        millions of cards: their signature check is remembered, their dates never are.
        """
        problem = _issued_by_cached(certificate, issuer) if shared else _issued_by(certificate, issuer)
        if problem:
            raise self._certificate_error(
                _("the certificate chain of the card is broken"), f"{what} not issued by its CA: {problem}"
            )
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise self._certificate_error(
                _("a certificate of the card has expired or is not yet valid"), f"{what} outside its validity"
            )

    def _require_ca(self, ca_cert: x509.Certificate) -> None:
        try:
            constraints = ca_cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            constraints = None
        if constraints is None or not constraints.ca:
            raise self._certificate_error(
                _("the certificate chain of the card is broken"), "CA certificate is not a CA"
            )

    def _check_data_signatures(self, files: CardFiles, identity: Identity, rrn_cert: x509.Certificate) -> None:
        key = rrn_cert.public_key()
        signed_address = files.address.rstrip(b"\x00") + files.identity_signature
        if isinstance(key, ec.EllipticCurvePublicKey):
            if not _ec_valid(key, files.identity_signature, files.identity):
                raise CardDataAltered.make(_("identity data"), detail="identity signature (EC) invalid")
            if not _ec_valid(key, files.address_signature, signed_address):
                raise CardDataAltered.make(_("address"), detail="address signature (EC) invalid")
        elif isinstance(key, rsa.RSAPublicKey):
            first = _HASH_BY_LENGTH[len(identity.photo_hash)]
            # Some re-signed cards keep a SHA-1 photo hash but sign with SHA-256: retry.
            algorithms = [first, hashes.SHA256()] if isinstance(first, hashes.SHA1) else [first]
            if not any(_rsa_valid(key, files.identity_signature, files.identity, a) for a in algorithms):
                raise CardDataAltered.make(_("identity data"), detail="identity signature (RSA) invalid")
            if not any(_rsa_valid(key, files.address_signature, signed_address, a) for a in algorithms):
                raise CardDataAltered.make(_("address"), detail="address signature (RSA) invalid")
        else:
            raise self._certificate_error(
                _("the certificate chain of the card is broken"), "National Register key type unsupported"
            )

    def _check_revocation(self, auth_cert: x509.Certificate, ca_cert: x509.Certificate, now: dt.datetime) -> Status:
        try:
            return self.revocation.check(auth_cert, ca_cert, now)
        except Revoked as error:
            raise self._certificate_error(_("the certificate has been revoked"), f"revoked: {error}") from None
        except Unavailable as error:
            raise self._certificate_error(
                _("its revocation status could not be checked"), f"revocation unavailable: {error}"
            ) from None


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> str:
    """"" when ``issuer`` signed ``certificate``, else what is wrong."""
    try:
        certificate.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError) as error:
        return str(error) or type(error).__name__
    return ""


@functools.lru_cache(maxsize=256)
def _issued_by_cached(certificate: x509.Certificate, issuer: x509.Certificate) -> str:
    # Certificates hash and compare by their DER bytes: a cached answer is about exactly these.
    return _issued_by(certificate, issuer)


def _load_certificate(der: bytes, what: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise CardDataInvalid.make(f"{what} is not a DER certificate") from None


def _ec_valid(key: ec.EllipticCurvePublicKey, signature_file: bytes, data: bytes) -> bool:
    try:
        signature = cut_der(signature_file)
    except CardDataInvalid:
        return False
    if signature is None:
        return False
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA384()))
    except (InvalidSignature, ValueError):
        return False
    return True


def _rsa_valid(key: rsa.RSAPublicKey, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm) -> bool:
    try:
        key.verify(signature, data, padding.PKCS1v15(), algorithm)
    except (InvalidSignature, ValueError):
        return False
    return True


def national_number_of(certificate: x509.Certificate) -> str:
    """The subject serialNumber (OID 2.5.4.5) of an authentication certificate."""
    values = certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    return str(values[0].value) if values else ""


# -- the challenge signature ------------------------------------------------------------------


def verify_challenge_signature(certificate: x509.Certificate, payload: bytes, signature: bytes) -> None:
    """Check the card's signature over ``payload``; raise :class:`SignatureInvalid` if wrong.

    EC cards sign the SHA-384 of the payload and return raw ``r || s``; RSA cards sign it
    with PKCS#1 v1.5 and SHA-256 (see :mod:`immo_connect.eid.pkcs11`).
    """
    key = certificate.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            size = (key.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                raise SignatureInvalid.make(detail="EC signature has the wrong length")
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            key.verify(utils.encode_dss_signature(r, s), payload, ec.ECDSA(hashes.SHA384()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise SignatureInvalid.make(detail="unsupported key type")
    except InvalidSignature:
        raise SignatureInvalid.make(detail="challenge signature invalid") from None
