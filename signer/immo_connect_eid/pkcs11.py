"""Proving the holder is present: the card's Authentication key signs a challenge (PyKCS11).

The official eID middleware (beidpkcs11) offers one token labelled ``BELPIC`` per reader.
Keys and certificates are found by class and label (``Authentication``), never by
``CKA_ID`` (its width differs between platforms). The PIN is passed to ``C_Login``; on a
pinpad reader (protected authentication path) the login carries no PIN and the reader
asks for it. EC cards sign a SHA-384 digest computed here with ``CKM_ECDSA`` (raw
``r || s``); RSA cards sign with ``CKM_SHA256_RSA_PKCS``. Both mechanisms work with the
real module and with SoftHSM2, which the tests use as the module.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from immo_connect_eid.errors import kind, problem

log = logging.getLogger("immo_connect_eid")

TOKEN_LABEL = "BELPIC"
KEY_LABEL = "Authentication"

# Where the official module installs itself (Fedict eid-mw; web-eid libelectronic-id).
DEFAULT_MODULE_PATHS: dict[str, tuple[str, ...]] = {
    "linux": (
        "/usr/lib/x86_64-linux-gnu/libbeidpkcs11.so.0",
        "/usr/lib/aarch64-linux-gnu/libbeidpkcs11.so.0",
        "/usr/lib64/libbeidpkcs11.so.0",
        "/usr/lib/libbeidpkcs11.so.0",
        "/usr/local/lib/libbeidpkcs11.so.0",
        "libbeidpkcs11.so.0",
    ),
    "darwin": (
        "/Library/Belgium Identity Card/Pkcs11/beid-pkcs11.bundle/Contents/MacOS/libbeidpkcs11.dylib",
        "/usr/local/lib/libbeidpkcs11.dylib",
    ),
    "win32": ("beidpkcs11.dll",),
}

_PIN = re.compile(r"\d{4,12}")


def module_path(configured: str) -> str:
    """The configured module, else the official one of this OS."""
    return configured or default_module_path()


def default_module_path(platform: str | None = None) -> str:
    """The first existing default path of the official module on this OS (else the first one)."""
    candidates = DEFAULT_MODULE_PATHS.get(platform or sys.platform, DEFAULT_MODULE_PATHS["linux"])
    for candidate in candidates:
        if os.path.isabs(candidate) and os.path.exists(candidate):
            return candidate
    return candidates[0]


@dataclasses.dataclass(frozen=True)
class ChallengeSignature:
    certificate: bytes  # DER of the Authentication certificate of the token that signed
    signature: bytes  # raw r||s (EC) or PKCS#1 v1.5 (RSA)

    def __repr__(self) -> str:
        return f"ChallengeSignature({len(self.signature)} bytes)"


def _pykcs11() -> Any:
    try:
        import PyKCS11
    except ImportError as error:  # one error naming what is missing, never a traceback
        raise problem("extra_missing", "eid", detail=str(error)) from None
    return PyKCS11


@contextmanager
def _library(path: str) -> Iterator[Any]:
    PyKCS11 = _pykcs11()
    if not path or (os.path.isabs(path) and not os.path.exists(path)):
        # Checked first: the loader would print its own error on the terminal.
        raise problem("eid.middleware", path)
    library = PyKCS11.PyKCS11Lib()
    try:
        library.load(path)
    except PyKCS11.PyKCS11Error as error:
        log.warning("PKCS#11 module %s could not be loaded: %s", path, error)
        raise problem("eid.middleware", path) from None
    try:
        yield library
    finally:
        library.unload()


def check_module(path: str, *, on_laptop: bool = False) -> None:
    """Load the middleware's module once, so that a missing one is said before the PIN is asked."""
    try:
        with _library(path):
            pass
    except kind("eid.middleware"):
        if not on_laptop:
            raise
        raise problem("eid.middleware", path, on_laptop=True) from None


def _error(error: Any, *, last_try: bool = False) -> Exception:
    """Translate a PKCS#11 return value into the user's words."""
    PyKCS11 = _pykcs11()
    value = getattr(error, "value", None)
    if value == PyKCS11.CKR_PIN_INCORRECT:
        return problem("eid.wrong_pin", last_try=last_try, detail="CKR_PIN_INCORRECT")
    if value == PyKCS11.CKR_PIN_LOCKED:
        return problem("eid.pin_blocked", detail="CKR_PIN_LOCKED")
    if value == PyKCS11.CKR_FUNCTION_CANCELED:
        return problem("eid.cancelled", detail="CKR_FUNCTION_CANCELED")
    if value in (PyKCS11.CKR_PIN_LEN_RANGE, PyKCS11.CKR_PIN_INVALID):
        return problem("eid.wrong_pin", detail="PIN length or characters refused by the token")
    if value in (
        PyKCS11.CKR_DEVICE_REMOVED, PyKCS11.CKR_TOKEN_NOT_PRESENT, PyKCS11.CKR_SESSION_HANDLE_INVALID,
        PyKCS11.CKR_SESSION_CLOSED, PyKCS11.CKR_DEVICE_ERROR,
    ):
        return problem("eid.card_removed", detail=f"PKCS#11 {error}")
    return problem("eid.pkcs11", detail=f"PKCS#11 {error}")


def _is_eid_token(label: str) -> bool:
    """``BELPIC`` (the official module), or ``BELPIC (Basic PIN)`` (OpenSC names tokens after their PIN)."""
    label = label.strip()
    return label == TOKEN_LABEL or label.startswith(TOKEN_LABEL + " (")


def _find(session: Any, object_class: int, label: str) -> Any | None:
    PyKCS11 = _pykcs11()
    found = session.findObjects([(PyKCS11.CKA_CLASS, object_class), (PyKCS11.CKA_LABEL, label)])
    return found[0] if found else None


def _certificate(session: Any) -> bytes | None:
    PyKCS11 = _pykcs11()
    handle = _find(session, PyKCS11.CKO_CERTIFICATE, KEY_LABEL)
    if handle is None:
        return None
    value = session.getAttributeValue(handle, [PyKCS11.CKA_VALUE], allAsBinary=True)[0]
    return bytes(value)


def sign_challenge(
    module_path: str, payload: bytes, pin: str | None, *, expected_certificate: bytes | None = None
) -> ChallengeSignature:
    """Sign ``payload`` with the Authentication key of the eID card.

    With ``expected_certificate`` (the certificate read from the card through PC/SC) only
    the token holding that certificate is used, so the key belongs to the card just read.
    """
    PyKCS11 = _pykcs11()
    if pin is not None and not _PIN.fullmatch(pin):
        raise problem("eid.pin_format")
    with _library(module_path) as library:
        slot, info, session, certificate = _eid_token(library, expected_certificate)
        try:
            return _login_and_sign(library, slot, session, info, pin, payload, certificate)
        finally:
            with contextlib.suppress(PyKCS11.PyKCS11Error):
                session.closeSession()


def reader_has_pinpad(module_path: str, expected_certificate: bytes | None = None) -> bool:
    """Whether the PIN of the card's token is typed on the reader (protected authentication path).

    Also checks, before any PIN is asked, that the eID software sees the card just read.
    """
    PyKCS11 = _pykcs11()
    with _library(module_path) as library:
        _slot, info, session, _certificate = _eid_token(library, expected_certificate)
        with contextlib.suppress(PyKCS11.PyKCS11Error):
            session.closeSession()
        return bool(int(info.flags) & PyKCS11.CKF_PROTECTED_AUTHENTICATION_PATH)


def _eid_token(library: Any, expected_certificate: bytes | None) -> tuple[Any, Any, Any, bytes]:
    """The slot, token info, open session and certificate of the eID token (of the card read, if given)."""
    PyKCS11 = _pykcs11()
    try:
        slots = library.getSlotList(tokenPresent=True)
    except PyKCS11.PyKCS11Error as error:
        raise _error(error) from None
    for slot in slots:
        info = library.getTokenInfo(slot)
        if not _is_eid_token(info.label):
            continue
        session = library.openSession(slot)
        try:
            certificate = _certificate(session)
        except PyKCS11.PyKCS11Error:
            certificate = None
        if certificate is None or (expected_certificate is not None and certificate != expected_certificate):
            with contextlib.suppress(PyKCS11.PyKCS11Error):
                session.closeSession()
            continue
        return slot, info, session, certificate
    raise problem("eid.no_card", detail="no BELPIC token with the card's Authentication certificate")


def _login_and_sign(
    library: Any, slot: Any, session: Any, info: Any, pin: str | None, payload: bytes, certificate: bytes
) -> ChallengeSignature:
    PyKCS11 = _pykcs11()
    flags = int(info.flags)
    if flags & PyKCS11.CKF_USER_PIN_LOCKED:
        raise problem("eid.pin_blocked", detail="CKF_USER_PIN_LOCKED")
    pinpad = bool(flags & PyKCS11.CKF_PROTECTED_AUTHENTICATION_PATH)
    if not pinpad and pin is None:
        raise problem("eid.no_pinpad")
    try:
        session.login(None if pinpad else pin)
    except PyKCS11.PyKCS11Error as error:
        with contextlib.suppress(PyKCS11.PyKCS11Error):  # the flags after the failure: one try left?
            flags = int(library.getTokenInfo(slot).flags)
        raise _error(error, last_try=bool(flags & PyKCS11.CKF_USER_PIN_FINAL_TRY)) from None
    try:
        key = _find(session, PyKCS11.CKO_PRIVATE_KEY, KEY_LABEL)
        if key is None:
            raise problem("eid.no_card", detail="no Authentication private key on the token")
        key_type = session.getAttributeValue(key, [PyKCS11.CKA_KEY_TYPE])[0]
        if key_type == PyKCS11.CKK_EC:
            digest = hashlib.sha384(payload).digest()
            signature = session.sign(key, digest, PyKCS11.Mechanism(PyKCS11.CKM_ECDSA))
        else:
            signature = session.sign(key, payload, PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS))
        return ChallengeSignature(certificate, bytes(signature))
    except PyKCS11.PyKCS11Error as error:
        raise _error(error) from None
    finally:
        with contextlib.suppress(PyKCS11.PyKCS11Error):
            session.logout()
