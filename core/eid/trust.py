"""The trust anchors: the Belgian root CAs, pinned by public key.

The root certificates ship with the package (``trust/*.pem``); each is accepted only if the
SHA-256 of its SubjectPublicKeyInfo is one of :data:`BELGIAN_ROOT_PINS`, so a replaced file
cannot add trust. A root is pinned by key rather than by certificate because Belgium Root
CA4 exists as two certificates with the same key. An operator may add anchors of their own
(an acceptance PKI, the test PKI of the card emulator) with ``[eid] trust_anchors``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from immo_connect.errors import ConfigurationError
from immo_connect.i18n import _

# SHA-256 of the SubjectPublicKeyInfo of each Belgian root (Root CA2, CA3, CA4, CA6).
BELGIAN_ROOT_PINS: frozenset[str] = frozenset({
    "f8e5f905bc939911267b83d50814a90323b51e183629db52d4fc2d5468a5a578",  # Belgium Root CA2
    "c7bc5e493726bbf531f62fc5f5513ac03ead813af4dcd445b3305ba3d3d53374",  # Belgium Root CA3
    "b1538a9071705a92d938e506b738da0cafd1ae66aec2eeddc75479d433bd8776",  # Belgium Root CA4 (both certificates)
    "894ad2232fe69bb09e8370ef387ec1c66ab6a4ce53c811fd3c8ced5b5158d8c1",  # Belgium Root CA6
})


def spki_sha256(certificate: x509.Certificate) -> str:
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


@dataclasses.dataclass(frozen=True)
class Anchor:
    certificate: x509.Certificate
    pin: str
    builtin: bool

    @property
    def name(self) -> str:
        return self.certificate.subject.rfc4514_string()

    def valid_at(self, now: dt.datetime) -> bool:
        return self.certificate.not_valid_before_utc <= now <= self.certificate.not_valid_after_utc


def _load_pem_file(path: Path) -> list[x509.Certificate]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigurationError(
            _("The trust anchor file {path} cannot be read: {reason}.").format(path=path, reason=error.strerror),
            hint=_("Fix the path in [eid] trust_anchors of plugins.toml."),
        ) from None
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise ConfigurationError(
            _("The trust anchor file {path} holds no certificate.").format(path=path),
            hint=_("Give PEM or DER certificate files in [eid] trust_anchors of plugins.toml."),
        ) from None


def load_certificates(path: Path) -> list[x509.Certificate]:
    """The certificates of a PEM or DER file named in the configuration."""
    return _load_pem_file(Path(path))


def belgian_roots() -> list[Anchor]:
    """The shipped Belgian roots whose key is pinned."""
    anchors = []
    folder = resources.files("immo_connect.eid").joinpath("trust")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".pem"):
            continue
        for certificate in x509.load_pem_x509_certificates(entry.read_bytes()):
            pin = spki_sha256(certificate)
            if pin in BELGIAN_ROOT_PINS:
                anchors.append(Anchor(certificate, pin, builtin=True))
    return anchors


class TrustStore:
    def __init__(self, anchors: Iterable[Anchor]) -> None:
        self.anchors = list(anchors)

    @classmethod
    def load(cls, extra_files: Iterable[Path] = (), *, belgian: bool = True) -> TrustStore:
        anchors = belgian_roots() if belgian else []
        for path in extra_files:
            anchors += [Anchor(c, spki_sha256(c), builtin=False) for c in _load_pem_file(Path(path))]
        return cls(anchors)

    def matching(self, certificate: x509.Certificate) -> list[Anchor]:
        """The anchors with the same public key as ``certificate`` (the card's root)."""
        pin = spki_sha256(certificate)
        return [anchor for anchor in self.anchors if anchor.pin == pin]
