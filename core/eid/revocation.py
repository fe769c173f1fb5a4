"""Revocation of the authentication certificate: a CRL file, an OCSP responder, or neither.

Both are optional (``[eid] crl_files`` and ``[eid] ocsp_url``); without them the result
says "not_checked" and that is what the link records. When a source is configured its
answer counts: a revoked certificate is refused, and an answer that cannot be trusted
(stale CRL, unreachable responder, bad signature) refuses too rather than guessing.
"""

from __future__ import annotations

import datetime as dt
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

log = logging.getLogger("immo_connect.eid")

Status = Literal["good", "not_checked"]
_CLOCK_SKEW = dt.timedelta(minutes=5)


class Revoked(Exception):
    """The certificate is revoked."""


class Unavailable(Exception):
    """The configured source gave no answer that can be trusted."""


def _issued_by(item: x509.Certificate | x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    if isinstance(item, x509.CertificateRevocationList):
        try:
            return item.issuer == issuer.subject and item.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
    try:
        item.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _load_crl(path: Path) -> x509.CertificateRevocationList:
    try:
        data = path.read_bytes()
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except (OSError, ValueError) as error:
        raise Unavailable(f"CRL file {path} unreadable: {error}") from None


class RevocationChecker:
    def __init__(self, crl_files: Sequence[Path] = (), ocsp_url: str = "", timeout: float = 5.0) -> None:
        self.crl_files = list(crl_files)
        self.ocsp_url = ocsp_url
        self.timeout = timeout

    def check(self, certificate: x509.Certificate, issuer: x509.Certificate, now: dt.datetime) -> Status:
        """"good" or "not_checked"; raises :class:`Revoked` or :class:`Unavailable`."""
        checked = False
        if self.crl_files:
            checked |= self._check_crls(certificate, issuer, now)
        if self.ocsp_url:
            self._check_ocsp(certificate, issuer, now)
            checked = True
        return "good" if checked else "not_checked"

    def _check_crls(self, certificate: x509.Certificate, issuer: x509.Certificate, now: dt.datetime) -> bool:
        covering = [crl for crl in map(_load_crl, self.crl_files) if _issued_by(crl, issuer)]
        if not covering:
            log.warning("no configured CRL is issued by %s", issuer.subject.rfc4514_string())
            return False
        for crl in covering:
            next_update = crl.next_update_utc
            if next_update is not None and next_update < now:
                raise Unavailable(f"CRL of {issuer.subject.rfc4514_string()} expired at {next_update}")
            if crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None:
                raise Revoked("listed in the CRL")
        return True

    def _check_ocsp(self, certificate: x509.Certificate, issuer: x509.Certificate, now: dt.datetime) -> None:
        request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1()).build()
        body = request.public_bytes(serialization.Encoding.DER)
        http = urllib.request.Request(
            self.ocsp_url, data=body, method="POST",
            headers={"Content-Type": "application/ocsp-request", "Accept": "application/ocsp-response"},
        )
        try:
            with urllib.request.urlopen(http, timeout=self.timeout) as reply:
                answer = reply.read(1 << 20)
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise Unavailable(f"OCSP responder unreachable: {error}") from None
        try:
            response = ocsp.load_der_ocsp_response(answer)
        except ValueError:
            raise Unavailable("OCSP answer is not an OCSP response") from None
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise Unavailable(f"OCSP responder answered {response.response_status.name}")
        self._check_responder(response, issuer)
        if response.serial_number != certificate.serial_number:
            raise Unavailable("OCSP answer is about another certificate")
        if response.this_update_utc > now + _CLOCK_SKEW:
            raise Unavailable("OCSP answer is dated in the future")
        next_update = response.next_update_utc
        if next_update is not None and next_update < now - _CLOCK_SKEW:
            raise Unavailable("OCSP answer is stale")
        if response.certificate_status == ocsp.OCSPCertStatus.REVOKED:
            raise Revoked("OCSP status revoked")
        if response.certificate_status != ocsp.OCSPCertStatus.GOOD:
            raise Unavailable("OCSP status unknown")

    @staticmethod
    def _check_responder(response: ocsp.OCSPResponse, issuer: x509.Certificate) -> None:
        """The answer is signed by the issuer, or by a responder the issuer delegated to."""
        candidates = [issuer, *response.certificates]
        for signer in candidates:
            if signer is not issuer:
                if not _issued_by(signer, issuer):
                    continue
                try:
                    usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
                except x509.ExtensionNotFound:
                    continue
                if ExtendedKeyUsageOID.OCSP_SIGNING not in usage:
                    continue
            try:
                key = signer.public_key()
                algorithm = response.signature_hash_algorithm
                if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
                    key.verify(response.signature, response.tbs_response_bytes, padding.PKCS1v15(), algorithm)
                elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
                    key.verify(response.signature, response.tbs_response_bytes, ec.ECDSA(algorithm))
                else:
                    continue
            except InvalidSignature:
                continue
            return
        raise Unavailable("OCSP answer is not signed by the issuer or its responder")
