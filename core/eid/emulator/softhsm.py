"""SoftHSM2 as the PKCS#11 stand-in for the card's middleware, in a private token folder.

:meth:`SoftHsm.add_card` creates a token labelled ``BELPIC`` holding the card's
Authentication private key and certificate, labelled ``Authentication`` like the official
module's objects (the ID is ``02``; the platform finds objects by class and label). Several
cards can sit side by side, like several readers. SoftHSM reads ``SOFTHSM2_CONF`` when the
module is initialised, so :meth:`SoftHsm.activate` sets it in this process's environment.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from immo_connect.extras import import_extra

MODULE_PATHS = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)
SO_PIN = "12345678"
_SECP384R1 = bytes.fromhex("06052b81040022")


def module_path() -> str:
    found = next((p for p in MODULE_PATHS if Path(p).exists()), None)
    if found is None:
        raise RuntimeError("SoftHSM2 is needed (apt-get install softhsm2)")
    return found


def _bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")


class SoftHsm:
    def __init__(self, base: Path | None = None) -> None:
        self.base = base or Path(tempfile.mkdtemp(prefix="immo-softhsm-"))
        self.tokens = self.base / "tokens"
        self.tokens.mkdir(parents=True, exist_ok=True)
        self.config = self.base / "softhsm2.conf"
        self.config.write_text(
            f"directories.tokendir = {self.tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
        )
        self.module = module_path()

    def activate(self) -> SoftHsm:
        os.environ["SOFTHSM2_CONF"] = str(self.config)
        return self

    def environ(self) -> dict[str, str]:
        return {"SOFTHSM2_CONF": str(self.config)}

    def add_card(self, certificate: x509.Certificate, key: Any, *, pin: str = "1234", label: str = "BELPIC") -> None:
        """A new token holding ``key`` and ``certificate`` as the card's Authentication objects."""
        PyKCS11 = import_extra("PyKCS11", "eid")

        self.activate()
        library = PyKCS11.PyKCS11Lib()
        library.load(self.module)
        try:
            free = next(
                slot for slot in library.getSlotList(tokenPresent=True)
                if not library.getTokenInfo(slot).flags & PyKCS11.CKF_TOKEN_INITIALIZED
            )
            library.initToken(free, SO_PIN, label.ljust(32))
            slot = next(
                slot for slot in library.getSlotList(tokenPresent=True)
                if library.getTokenInfo(slot).label.strip() == label
                and not library.getTokenInfo(slot).flags & PyKCS11.CKF_USER_PIN_INITIALIZED
            )
            session = library.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
            session.login(SO_PIN, user_type=PyKCS11.CKU_SO)
            session.initPin(pin)
            session.logout()
            session.login(pin)
            session.createObject(_key_template(PyKCS11, key))
            session.createObject([
                (PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE), (PyKCS11.CKA_CERTIFICATE_TYPE, PyKCS11.CKC_X_509),
                (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_PRIVATE, False), (PyKCS11.CKA_LABEL, "Authentication"),
                (PyKCS11.CKA_ID, (2,)), (PyKCS11.CKA_SUBJECT, certificate.subject.public_bytes()),
                (PyKCS11.CKA_VALUE, certificate.public_bytes(serialization.Encoding.DER)),
            ])
            session.logout()
            session.closeSession()
        finally:
            library.unload()

    def remove(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)


def _key_template(PyKCS11: Any, key: Any) -> list[tuple[int, Any]]:
    common = [
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_PRIVATE, True),
        (PyKCS11.CKA_SENSITIVE, True), (PyKCS11.CKA_SIGN, True), (PyKCS11.CKA_LABEL, "Authentication"),
        (PyKCS11.CKA_ID, (2,)),
    ]
    if isinstance(key, ec.EllipticCurvePrivateKey):
        scalar = key.private_numbers().private_value.to_bytes(48, "big")
        return [*common, (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_EC), (PyKCS11.CKA_EC_PARAMS, _SECP384R1),
                (PyKCS11.CKA_VALUE, scalar)]
    if isinstance(key, rsa.RSAPrivateKey):
        numbers = key.private_numbers()
        return [
            *common, (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_RSA),
            (PyKCS11.CKA_MODULUS, _bytes(numbers.public_numbers.n)),
            (PyKCS11.CKA_PUBLIC_EXPONENT, _bytes(numbers.public_numbers.e)),
            (PyKCS11.CKA_PRIVATE_EXPONENT, _bytes(numbers.d)), (PyKCS11.CKA_PRIME_1, _bytes(numbers.p)),
            (PyKCS11.CKA_PRIME_2, _bytes(numbers.q)), (PyKCS11.CKA_EXPONENT_1, _bytes(numbers.dmp1)),
            (PyKCS11.CKA_EXPONENT_2, _bytes(numbers.dmq1)), (PyKCS11.CKA_COEFFICIENT, _bytes(numbers.iqmp)),
        ]
    raise TypeError(f"unsupported key {type(key).__name__}")
