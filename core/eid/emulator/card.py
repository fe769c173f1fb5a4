"""A BELPIC card in pure Python: ``execute(apdu) -> response`` (data + status word).

It answers as applets 1.7 and 1.8 do (docs/eid.md lists the sources): SELECT by AID, by
file id and by path (with or without ``3F00``), READ BINARY with ``6B 00`` and ``6C xx``,
GET CARD DATA, VERIFY PIN with its try counter, MSE SET + PSO COMPUTE DIGITAL SIGNATURE and
INTERNAL AUTHENTICATE (answers through ``61 xx`` + GET RESPONSE, as on a T=0 card), and
LOG OFF. It holds no socket and no thread: :mod:`.vpcd` puts it behind a virtual reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

BELPIC_AID = bytes.fromhex("A00000003029057000AD13100101FF")
DF_AIDS = {
    bytes.fromhex("A000000177504B43532D3135"): "3F00DF00",  # "PKCS-15"
    bytes.fromhex("A000000177496446696C6573"): "3F00DF01",  # "IdFiles"
}
DIRECTORIES = ("3F00", "3F00DF00", "3F00DF01")
ATR_18 = bytes.fromhex("3B7F96000080318065B085040120120FFF829000")
ATR_17 = bytes.fromhex("3B9813400AA503010101AD1311")

OK = b"\x90\x00"
_DIGEST_INFO = {  # DER prefixes of PKCS#1 DigestInfo, for the RSA "algorithm 01" signature
    bytes.fromhex("3021300906052b0e03021a05000414"): hashes.SHA1(),
    bytes.fromhex("3031300d060960864801650304020105000420"): hashes.SHA256(),
    bytes.fromhex("3041300d060960864801650304020205000430"): hashes.SHA384(),
    bytes.fromhex("3051300d060960864801650304020305000440"): hashes.SHA512(),
}
_RSA_ALGORITHMS: dict[int, hashes.HashAlgorithm | None] = {0x01: None, 0x02: hashes.SHA1(), 0x08: hashes.SHA256()}
_EC_ALGORITHMS: dict[int, hashes.HashAlgorithm] = {
    0x01: hashes.SHA256(), 0x02: hashes.SHA384(), 0x04: hashes.SHA512(), 0x40: hashes.SHA384(),
}


def _sw(value: int) -> bytes:
    return value.to_bytes(2, "big")


class BelpicCard:
    """One card: its files (full paths from ``3F00``), keys, PIN and the state of a session."""

    def __init__(
        self,
        files: Mapping[str, bytes],
        *,
        applet: int,
        card_data: bytes,
        atr: bytes | None = None,
        pin: str = "1234",
        pin_tries: int = 3,
        keys: Mapping[int, Any] | None = None,
    ) -> None:
        self.files = {path.upper(): bytes(content) for path, content in files.items()}
        self.applet = applet
        self.card_data = card_data
        self.atr = atr or (ATR_18 if applet >= 0x18 else ATR_17)
        self.pin = pin
        self.pin_tries_left = pin_tries
        self.max_tries = pin_tries
        self.keys = dict(keys or {})  # 0x81 basic (1.8), 0x82 authentication, 0x83 signature
        self.commands = 0
        self.reset()

    def reset(self) -> None:
        """Power-on state: applet selected, MF current, no PIN verified."""
        self.current_df = "3F00"
        self.current_ef: str | None = None
        self.pin_verified = False
        self.environment: tuple[int, int] | None = None  # (algorithm, key reference)
        self.pending = b""

    # -- dispatch ------------------------------------------------------------------------

    def execute(self, apdu: bytes) -> bytes:
        self.commands += 1
        if len(apdu) < 4:
            return _sw(0x6700)
        cla, ins = apdu[0], apdu[1]
        if ins != 0xC0:
            self.pending = b""
        handlers = {
            (0x00, 0xA4): self._select, (0x00, 0xB0): self._read_binary, (0x80, 0xE4): self._card_data,
            (0x00, 0x20): self._verify, (0x00, 0x22): self._mse, (0x00, 0x2A): self._pso,
            (0x00, 0x88): self._internal_authenticate, (0x00, 0xC0): self._get_response, (0x80, 0xE6): self._log_off,
        }
        handler = handlers.get((cla, ins))
        if handler is None:
            if cla not in (0x00, 0x80):
                return _sw(0x6E00)
            return _sw(0x6D00)
        return handler(apdu)

    @staticmethod
    def _body(apdu: bytes) -> bytes | None:
        """The command data (case 3/4), or None when Lc does not match the length."""
        if len(apdu) <= 5:
            return b""
        lc = apdu[4]
        if len(apdu) not in (5 + lc, 6 + lc):
            return None
        return apdu[5:5 + lc]

    # -- file system ---------------------------------------------------------------------

    def _select(self, apdu: bytes) -> bytes:
        p1, p2 = apdu[2], apdu[3]
        body = self._body(apdu)
        if body is None:
            return _sw(0x6A87)
        if p2 not in (0x00, 0x0C):
            return _sw(0x6A86)
        if p1 == 0x04:
            if body == BELPIC_AID:
                self.current_df, self.current_ef = "3F00", None
                return OK
            directory = DF_AIDS.get(body)
            if directory is None:
                return _sw(0x6A82)
            self.current_df, self.current_ef = directory, None
            return OK
        if p1 == 0x02:
            if len(body) != 2:
                return _sw(0x6A87)
            fid = body.hex().upper()
            path = "3F00" if fid == "3F00" else self.current_df + fid
        elif p1 == 0x08:
            if len(body) % 2 or not body:
                return _sw(0x6A87)
            path = body.hex().upper()
            if not path.startswith("3F00"):
                path = "3F00" + path
        else:
            return _sw(0x6A86)
        if path in DIRECTORIES:
            self.current_df, self.current_ef = path, None
            return OK
        if path in self.files:
            self.current_df, self.current_ef = path[:-4], path
            return OK
        return _sw(0x6A82)

    def _read_binary(self, apdu: bytes) -> bytes:
        if self.current_ef is None:
            return _sw(0x6986)
        content = self.files[self.current_ef]
        offset = ((apdu[2] & 0x7F) << 8) | apdu[3]
        wanted = (apdu[4] if len(apdu) > 4 else 0) or 256
        if offset >= len(content):
            return _sw(0x6B00)
        left = len(content) - offset
        if wanted > left:
            return _sw(0x6C00 | left)
        return content[offset:offset + wanted] + OK

    def _card_data(self, apdu: bytes) -> bytes:
        p2 = apdu[3]
        le = apdu[4] if len(apdu) > 4 else 0
        if p2 == 0x00:
            data = self.card_data[:28]
        elif p2 == 0x01 and self.applet >= 0x18:
            data = self.card_data[:28] + bytes([self.pin_tries_left, 0xFF, 0xFF])
        else:
            return _sw(0x6A86)
        if le != len(data):
            return _sw(0x6C00 | len(data))
        return data + OK

    # -- PIN and signatures ----------------------------------------------------------------

    def _verify(self, apdu: bytes) -> bytes:
        if apdu[3] != 0x01:
            return _sw(0x6A88)
        if self.pin_tries_left == 0:
            return _sw(0x6983)
        body = self._body(apdu)
        if body == b"":
            return _sw(0x63C0 | self.pin_tries_left)
        if body is None or len(body) != 8:
            return _sw(0x6700)
        if decode_pin_block(body) == self.pin:
            self.pin_tries_left = self.max_tries
            self.pin_verified = True
            return OK
        self.pin_tries_left -= 1
        self.pin_verified = False
        return _sw(0x6983) if self.pin_tries_left == 0 else _sw(0x63C0 | self.pin_tries_left)

    def _mse(self, apdu: bytes) -> bytes:
        body = self._body(apdu)
        if apdu[2:4] != b"\x41\xB6" or body is None or len(body) != 5 or body[0] != 0x04 or body[1] != 0x80 or body[3] != 0x84:
            return _sw(0x6A80)
        if body[4] not in self.keys:
            return _sw(0x6A88)
        self.environment = (body[2], body[4])
        return OK

    def _pso(self, apdu: bytes) -> bytes:
        body = self._body(apdu)
        if apdu[2:4] != b"\x9E\x9A" or body is None:
            return _sw(0x6A86)
        if self.environment is None:
            return _sw(0x6985)
        algorithm, reference = self.environment
        if not self.pin_verified:
            return _sw(0x6982)
        signature = self._sign(self.keys[reference], algorithm, body)
        if signature is None:
            return _sw(0x6A80)
        if reference == 0x83:  # non-repudiation: a VERIFY before every signature
            self.pin_verified = False
        return self._respond(signature)

    def _internal_authenticate(self, apdu: bytes) -> bytes:
        body = self._body(apdu)
        key = self.keys.get(0x81)
        if key is None or apdu[2:4] != b"\x02\x81" or not body or body[0] != 0x94 or body[1] != len(body) - 2:
            return _sw(0x6A86)
        raw = _raw_ec(key.sign(body[2:], ec.ECDSA(utils.Prehashed(hashes.SHA384()))), key)
        return self._respond(raw)

    def _sign(self, key: Any, algorithm: int, data: bytes) -> bytes | None:
        if isinstance(key, rsa.RSAPrivateKey):
            if algorithm not in _RSA_ALGORITHMS:
                return None
            chosen = _RSA_ALGORITHMS[algorithm]
            if chosen is None:  # the caller sent a full DigestInfo
                prefix = next((p for p in _DIGEST_INFO if data.startswith(p)), None)
                if prefix is None:
                    return None
                chosen, data = _DIGEST_INFO[prefix], data[len(prefix):]
            if len(data) != chosen.digest_size:
                return None
            return key.sign(data, padding.PKCS1v15(), utils.Prehashed(chosen))
        if isinstance(key, ec.EllipticCurvePrivateKey):
            digest = _EC_ALGORITHMS.get(algorithm)
            if digest is None or len(data) != digest.digest_size:
                return None
            return _raw_ec(key.sign(data, ec.ECDSA(utils.Prehashed(digest))), key)
        return None

    def _respond(self, data: bytes) -> bytes:
        self.pending = data
        return _sw(0x6100 | (len(data) & 0xFF))

    def _get_response(self, apdu: bytes) -> bytes:
        if not self.pending:
            return _sw(0x6985)
        wanted = (apdu[4] if len(apdu) > 4 else 0) or 256
        if wanted > len(self.pending):
            return _sw(0x6C00 | len(self.pending))
        chunk, self.pending = self.pending[:wanted], self.pending[wanted:]
        if self.pending:
            return chunk + _sw(0x6100 | (len(self.pending) & 0xFF))
        return chunk + OK

    def _log_off(self, apdu: bytes) -> bytes:
        self.pin_verified = False
        return OK


def _raw_ec(der: bytes, key: ec.EllipticCurvePrivateKey) -> bytes:
    r, s = utils.decode_dss_signature(der)
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def encode_pin_block(pin: str) -> bytes:
    """The card's PIN block: ``0x20 | length``, BCD digits, ``F`` padding, 8 bytes in all."""
    digits = pin + "F" * (len(pin) % 2)
    return (bytes([0x20 | len(pin)]) + bytes.fromhex(digits)).ljust(8, b"\xFF")


def decode_pin_block(block: bytes) -> str | None:
    if block[0] >> 4 != 0x2:
        return None
    length = block[0] & 0x0F
    digits = block[1:].hex().upper()[:length]
    return digits if digits.isdigit() and len(digits) == length else None
