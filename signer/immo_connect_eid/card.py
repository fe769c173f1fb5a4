"""Reading the BELPIC applet with APDUs, over any transport (PC/SC, the emulator, a bench).

The card never reports a file's size, so a file is read in chunks until the card says
there is no more: a short chunk, ``6B 00`` (offset past the end), or ``6C xx`` (fewer bytes
left than asked: the same READ BINARY is sent again with ``Le = xx``). Certificate files are
zero padded; each is cut at its outer DER length.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from immo_connect_eid.errors import problem

BELPIC_AID = bytes.fromhex("A000000030290570 00AD13100101FF".replace(" ", ""))
CHUNK = 0xF8  # what the official middleware uses on macOS; safe for every reader

# File paths below the MF (3F00).
PATH_ID = "DF014031"
PATH_ID_SIGNATURE = "DF014032"
PATH_ADDRESS = "DF014033"
PATH_ADDRESS_SIGNATURE = "DF014034"
PATH_PHOTO = "DF014035"
PATH_BASIC_KEY = "DF014040"
PATH_AUTH_CERT = "DF005038"
PATH_SIGN_CERT = "DF005039"
PATH_CA_CERT = "DF00503A"
PATH_ROOT_CERT = "DF00503B"
PATH_RRN_CERT = "DF00503C"

SW_OK = 0x9000


class Transport(Protocol):
    """Sends one APDU and returns ``(data, sw1, sw2)``."""

    def transmit(self, apdu: bytes) -> tuple[bytes, int, int]: ...


@dataclasses.dataclass(frozen=True)
class CardFiles:
    """Every file the platform needs, exactly as read (certificates already cut)."""

    applet_version: int
    card_data: bytes
    identity: bytes
    identity_signature: bytes
    address: bytes
    address_signature: bytes
    photo: bytes
    rrn_cert: bytes
    root_cert: bytes
    ca_cert: bytes | None
    auth_cert: bytes | None
    sign_cert: bytes | None = None
    basic_key: bytes | None = None

    def __repr__(self) -> str:
        return f"CardFiles(applet={self.applet_version:02X})"


def cut_der(data: bytes) -> bytes | None:
    """The DER object at the start of ``data`` without the padding; ``None`` if all zeros."""
    if not any(data):
        return None
    if len(data) < 2 or data[0] != 0x30:
        raise problem("eid.malformed", "certificate file does not start with a DER sequence")
    first = data[1]
    if first < 0x80:
        total = 2 + first
    else:
        count = first & 0x7F
        if count == 0 or count > 3 or len(data) < 2 + count:
            raise problem("eid.malformed", "certificate file has a bad DER length")
        total = 2 + count + int.from_bytes(data[2:2 + count], "big")
    if total > len(data):
        raise problem("eid.malformed", "certificate file is truncated")
    return data[:total]


class CardReader:
    """APDU-level access to one inserted card."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def _send(self, apdu: bytes) -> tuple[bytes, int]:
        data, sw1, sw2 = self.transport.transmit(apdu)
        if sw1 == 0x61:  # more data waiting: GET RESPONSE (T=0 case 4 commands)
            collected = bytearray(data)
            while sw1 == 0x61:
                more, sw1, sw2 = self.transport.transmit(bytes([0x00, 0xC0, 0x00, 0x00, sw2]))
                collected += more
            data = bytes(collected)
        return data, (sw1 << 8) | sw2

    def select_applet(self) -> None:
        _data, sw = self._send(bytes([0x00, 0xA4, 0x04, 0x0C, len(BELPIC_AID)]) + BELPIC_AID)
        if sw != SW_OK:
            raise problem("eid.not_eid", f"SELECT BELPIC answered {sw:04X}")

    def select(self, path: str) -> None:
        raw = bytes.fromhex("3F00" + path)
        _, sw = self._send(bytes([0x00, 0xA4, 0x08, 0x0C, len(raw)]) + raw)
        if sw != SW_OK:
            raise problem("eid.read_failed", f"SELECT {path} answered {sw:04X}")

    def read_selected(self) -> bytes:
        content = bytearray()
        while True:
            offset = len(content)
            if offset > 0x7FFF:
                raise problem("eid.read_failed", "file larger than the READ BINARY offset range")
            data, sw = self._send(bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, CHUNK]))
            last = False
            if sw >> 8 == 0x6C:  # fewer bytes left: ask again for exactly those, the last ones
                data, sw = self._send(bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, sw & 0xFF]))
                last = True
            if sw == 0x6B00:  # offset at or past the end: the file ended on a chunk boundary
                break
            if sw != SW_OK:
                raise problem("eid.read_failed", f"READ BINARY at {offset} answered {sw:04X}")
            content += data
            if last or len(data) < CHUNK:  # a reader driver may shorten the answer itself
                break
        return bytes(content)

    def read_file(self, path: str) -> bytes:
        self.select(path)
        return self.read_selected()

    def card_data(self) -> tuple[bytes, int]:
        """GET CARD DATA and the applet version (byte 21: ``0x17`` or ``0x18``)."""
        data, sw = self._send(bytes([0x80, 0xE4, 0x00, 0x00, 0x1C]))
        if sw >> 8 == 0x6C:
            data, sw = self._send(bytes([0x80, 0xE4, 0x00, 0x00, sw & 0xFF]))
        if sw != SW_OK or len(data) < 28:
            raise problem("eid.read_failed", f"GET CARD DATA answered {sw:04X}")
        version = data[21]
        if version >= 0x18:  # 1.8 adds the PIN tries left
            longer, sw = self._send(bytes([0x80, 0xE4, 0x00, 0x01, 0x1F]))
            if sw == SW_OK and len(longer) >= 28:
                data = longer
        return data, version

    def read_all(self) -> CardFiles:
        self.select_applet()
        card_data, version = self.card_data()
        certificates = {
            path: cut_der(self.read_file(path))
            for path in (PATH_AUTH_CERT, PATH_SIGN_CERT, PATH_CA_CERT, PATH_ROOT_CERT, PATH_RRN_CERT)
        }
        rrn, root = certificates[PATH_RRN_CERT], certificates[PATH_ROOT_CERT]
        if rrn is None or root is None:
            raise problem("eid.malformed", "the National Register or root certificate is missing")
        return CardFiles(
            applet_version=version,
            card_data=card_data,
            identity=self.read_file(PATH_ID),
            identity_signature=self.read_file(PATH_ID_SIGNATURE),
            address=self.read_file(PATH_ADDRESS),
            address_signature=self.read_file(PATH_ADDRESS_SIGNATURE),
            photo=self.read_file(PATH_PHOTO),
            rrn_cert=rrn,
            root_cert=root,
            ca_cert=certificates[PATH_CA_CERT],
            auth_cert=certificates[PATH_AUTH_CERT],
            sign_cert=certificates[PATH_SIGN_CERT],
            basic_key=self.read_file(PATH_BASIC_KEY) if version >= 0x18 else None,
        )
