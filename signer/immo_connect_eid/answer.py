"""Linking from another computer: a one-time challenge out, a signed token back.

When the terminal UI runs on a server (over SSH), the card reader is on the user's own
computer. The screen shows a challenge; ``immo-connect-eid sign`` (or ``immo-connect eid sign``) runs where the
reader is, reads the card, signs the challenge with the card's Authentication key and
prints a token: the card files, the certificates and that signature. The server verifies
the token exactly as it verifies a local read.

As in the Web eID authentication token, what the card signs binds the answer to the
server (its identity is hashed into the signed payload) and to one challenge, which the
server issued, keeps for a few minutes and accepts once.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import re
import zlib
from zoneinfo import ZoneInfo

from immo_connect_eid.card import CardFiles
from immo_connect_eid.errors import problem

CHALLENGE_PREFIX = "IC1-"
TOKEN_PREFIX = "ICT1."
NONCE_BYTES = 32
_PAYLOAD_CONTEXT = b"Immo-Connect eID authentication v1\n"
_MAX_TOKEN = 64 * 1024  # decompressed; a card's files are about 10 KB
BELGIAN_TIME = ZoneInfo("Europe/Brussels")


def local_time(moment: dt.datetime) -> str:
    """A naive UTC moment as Belgian clock time (HH:MM), as users read times."""
    return f"{moment.replace(tzinfo=dt.UTC).astimezone(BELGIAN_TIME):%H:%M}"


def authentication_payload(server_id: str, nonce: bytes) -> bytes:
    """What the card signs: the server's identity and the challenge, both hashed."""
    return (
        _PAYLOAD_CONTEXT
        + hashlib.sha256(server_id.encode("utf-8")).digest()
        + hashlib.sha256(nonce).digest()
    )


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def _b64decode(text: str, damaged: str = "eid.token_invalid") -> bytes:
    # Strict: the lenient decoder would skip foreign characters, so an answer pasted twice
    # ("ICT1.…ICT1.…") or with text stuck to it could still decode.
    text = "".join(text.split())
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise problem(damaged, "not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise problem(damaged, "not base64url") from None


@dataclasses.dataclass(frozen=True)
class Challenge:
    nonce: bytes
    expires_at: dt.datetime  # naive UTC
    server_id: str

    def encode(self) -> str:
        expires = int(self.expires_at.replace(tzinfo=dt.UTC).timestamp())
        raw = bytes([1]) + self.nonce + expires.to_bytes(8, "big") + self.server_id.encode("utf-8")
        return CHALLENGE_PREFIX + _b64encode(raw)

    @classmethod
    def decode(cls, text: str) -> Challenge:
        text = text.strip()
        if not text.startswith(CHALLENGE_PREFIX):
            raise problem("eid.challenge_invalid", "challenge prefix missing")
        raw = _b64decode(text[len(CHALLENGE_PREFIX):], "eid.challenge_invalid")
        if len(raw) < 1 + NONCE_BYTES + 8 or raw[0] != 1:
            raise problem("eid.challenge_invalid", "challenge too short or unknown version")
        nonce = raw[1:1 + NONCE_BYTES]
        expires = int.from_bytes(raw[1 + NONCE_BYTES:1 + NONCE_BYTES + 8], "big")
        try:
            server_id = raw[1 + NONCE_BYTES + 8:].decode("utf-8")
            expires_at = dt.datetime.fromtimestamp(expires, dt.UTC).replace(tzinfo=None)
        except (UnicodeDecodeError, OverflowError, OSError, ValueError):
            raise problem("eid.challenge_invalid", "challenge fields unreadable") from None
        return cls(nonce, expires_at, server_id)

    def __repr__(self) -> str:
        return f"Challenge(server={self.server_id!r}, expires={self.expires_at:%H:%M:%S})"


# Field tags of the token (one byte tag, two bytes length, value).
_FIELDS = {
    0x01: "challenge",
    0x02: "applet_version",
    0x03: "card_data",
    0x04: "identity",
    0x05: "identity_signature",
    0x06: "address",
    0x07: "address_signature",
    0x08: "photo",
    0x09: "rrn_cert",
    0x0A: "root_cert",
    0x0B: "ca_cert",
    0x0C: "auth_cert",
    0x0D: "sign_cert",
    0x0E: "basic_key",
    0x0F: "signature",
}
_TAGS = {name: tag for tag, name in _FIELDS.items()}
_OPTIONAL = {"ca_cert", "auth_cert", "sign_cert", "basic_key"}


@dataclasses.dataclass(frozen=True)
class Token:
    challenge: str  # the challenge text, as issued
    files: CardFiles
    signature: bytes

    def encode(self) -> str:
        values: dict[str, bytes | None] = {
            "challenge": self.challenge.encode("ascii"),
            "applet_version": bytes([self.files.applet_version]),
            "signature": self.signature,
        }
        for field in dataclasses.fields(CardFiles):
            if field.name not in {"applet_version", "sign_cert"}:
                values[field.name] = getattr(self.files, field.name)
        out = bytearray()
        for name, value in values.items():
            if value is None:
                continue
            if len(value) > 0xFFFF:
                raise ValueError(f"token field {name} too large")
            out += bytes([_TAGS[name]]) + len(value).to_bytes(2, "big") + value
        return TOKEN_PREFIX + _b64encode(zlib.compress(bytes(out), 9))

    @classmethod
    def decode(cls, text: str) -> Token:
        text = "".join(text.split())
        if not text.startswith(TOKEN_PREFIX):
            raise problem("eid.token_invalid", "token prefix missing")
        packed = _b64decode(text[len(TOKEN_PREFIX):])
        try:
            inflater = zlib.decompressobj()
            raw = inflater.decompress(packed, _MAX_TOKEN)
            if inflater.unconsumed_tail or not inflater.eof:
                raise problem("eid.token_invalid", "token truncated or too large")
            if inflater.unused_data:  # bytes after the end of the answer: pasted twice, or joined to other text
                raise problem("eid.token_invalid", "data after the end of the token")
        except zlib.error:
            raise problem("eid.token_invalid", "token not compressed data") from None
        values: dict[str, bytes] = {}
        position = 0
        while position < len(raw):
            if position + 3 > len(raw):
                raise problem("eid.token_invalid", "token field header truncated")
            tag = raw[position]
            length = int.from_bytes(raw[position + 1:position + 3], "big")
            position += 3
            if tag not in _FIELDS or _FIELDS[tag] in values or position + length > len(raw):
                raise problem("eid.token_invalid", f"token field {tag:02X} unknown, repeated or truncated")
            values[_FIELDS[tag]] = raw[position:position + length]
            position += length
        missing = set(_FIELDS.values()) - _OPTIONAL - set(values)
        if missing or len(values["applet_version"]) != 1:
            raise problem("eid.token_invalid", f"token fields missing: {sorted(missing)}")
        try:
            challenge = values["challenge"].decode("ascii")
        except UnicodeDecodeError:
            raise problem("eid.token_invalid", "challenge not ASCII") from None
        files = CardFiles(
            applet_version=values["applet_version"][0],
            card_data=values["card_data"],
            identity=values["identity"],
            identity_signature=values["identity_signature"],
            address=values["address"],
            address_signature=values["address_signature"],
            photo=values["photo"],
            rrn_cert=values["rrn_cert"],
            root_cert=values["root_cert"],
            ca_cert=values.get("ca_cert"),
            auth_cert=values.get("auth_cert"),
            sign_cert=None,
            basic_key=values.get("basic_key"),
        )
        return cls(challenge, files, values["signature"])

    def __repr__(self) -> str:
        return f"Token({self.files!r})"


def sign_token(challenge_text: str, pin: str | None, *, module_path: str, reader: str = "",
               now: dt.datetime | None = None, files: CardFiles | None = None) -> str:
    """On the user's computer: read the card (unless ``files`` were read), sign the challenge, return the token."""
    from immo_connect_eid import pcsc, pkcs11

    challenge = Challenge.decode(challenge_text)
    current = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if current > challenge.expires_at:
        raise problem("eid.token_expired", "challenge expired before signing")
    if files is None:
        files = pcsc.read_card(reader)
    signed = pkcs11.sign_challenge(
        module_path, authentication_payload(challenge.server_id, challenge.nonce), pin,
        expected_certificate=files.auth_cert,
    )
    return Token(challenge_text.strip(), files, signed.signature).encode()
