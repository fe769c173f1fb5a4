"""The PKCS#15 files of the card (DF00), so that a PKCS#11 module can drive the emulated card.

A real card describes its keys, certificates and PIN in PKCS#15 structures: EF(DIR), the
ODF pointing at the AODF (the PIN), PrKDF (the private keys) and CDF (the certificates),
and TokenInfo. With them, OpenSC's PKCS#11 module (driver "belpic", which recognises the
applet 1.x ATR) verifies the PIN on the card, with its real try counter, and signs with the
card's keys through MSE SET and PSO. Layout after the card content documents (docs/eid.md).
"""

from __future__ import annotations

AID_PKCS15 = bytes.fromhex("A000000177504B43532D3135")
DF_PATH = bytes.fromhex("3F00DF00")


def tlv(tag: int, *parts: bytes) -> bytes:
    """One DER element (definite length)."""
    value = b"".join(parts)
    if len(value) < 0x80:
        length = bytes([len(value)])
    elif len(value) < 0x100:
        length = bytes([0x81, len(value)])
    else:
        length = bytes([0x82]) + len(value).to_bytes(2, "big")
    return bytes([tag]) + length + value


def _path(path: bytes) -> bytes:
    return tlv(0x30, tlv(0x04, path))


def _utf8(text: str) -> bytes:
    return tlv(0x0C, text.encode())


def _integer(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8 or 1, "big")  # keeps a leading 00 for 0x80..
    return tlv(0x02, raw)


def ef_dir() -> bytes:
    return tlv(0x61, tlv(0x4F, AID_PKCS15), tlv(0x50, b"BELPIC"), tlv(0x51, DF_PATH),
               tlv(0x73, tlv(0x06, bytes.fromhex("603802"))))


def odf() -> bytes:
    return (tlv(0xA0, _path(DF_PATH + b"\x50\x35")) + tlv(0xA4, _path(DF_PATH + b"\x50\x37"))
            + tlv(0xA8, _path(DF_PATH + b"\x50\x34")))


def token_info(serial: bytes) -> bytes:
    return tlv(0x30, _integer(0), tlv(0x04, serial), tlv(0x80, b"BELPIC"), tlv(0x03, b"\x04\x30"))


def aodf() -> bytes:
    pin_attributes = tlv(
        0x30,
        tlv(0x03, b"\x02\x4C"),  # pinFlags: local, initialized, needs-padding
        tlv(0x0A, b"\x00"),  # bcd
        _integer(4), _integer(8), _integer(12),  # min, stored, max length
        tlv(0x80, b"\x01"),  # pinReference 1
        tlv(0x04, b"\xFF"),  # padChar
        _path(DF_PATH),
    )
    return tlv(0x30, tlv(0x30, _utf8("Basic PIN"), tlv(0x03, b"\x06\xC0")), tlv(0x30, tlv(0x04, b"\x01")),
               tlv(0xA1, pin_attributes))


def prkdf(key_bits: int, *, signature_key: bool = True) -> bytes:
    def key(label: str, key_id: int, reference: int, usage: bytes) -> bytes:
        return tlv(
            0x30,
            tlv(0x30, _utf8(label), tlv(0x03, b"\x07\x80"), tlv(0x04, b"\x01")),
            tlv(0x30, tlv(0x04, bytes([key_id])), tlv(0x03, usage), _integer(reference)),
            tlv(0xA1, tlv(0x30, _path(DF_PATH), _integer(key_bits))),
        )

    keys = key("Authentication", 2, 0x82, b"\x05\x20")  # usage: sign
    if signature_key:
        keys += key("Signature", 3, 0x83, b"\x06\x00\x40")  # usage: nonRepudiation
    return keys


def cdf(*, signature_cert: bool = True) -> bytes:
    def certificate(label: str, cert_id: int, fid: bytes, authority: bool) -> bytes:
        common = tlv(0x04, bytes([cert_id])) + (tlv(0x01, b"\xFF") if authority else b"")
        return tlv(0x30, tlv(0x30, _utf8(label)), tlv(0x30, common),
                   tlv(0xA1, tlv(0x30, _path(DF_PATH + fid))))

    entries = certificate("Authentication", 2, b"\x50\x38", False)
    if signature_cert:
        entries += certificate("Signature", 3, b"\x50\x39", False)
    return entries + certificate("CA", 4, b"\x50\x3A", True) + certificate("Root", 6, b"\x50\x3B", True)


def files(serial: bytes, key_bits: int) -> dict[str, bytes]:
    """The PKCS#15 files of a card, by full path."""
    return {
        "3F002F00": ef_dir(), "3F00DF005031": odf(), "3F00DF005032": token_info(serial),
        "3F00DF005034": aodf(), "3F00DF005035": prkdf(key_bits), "3F00DF005037": cdf(),
    }
