"""The card emulator on its own (no pcscd): the APDUs and status words of a BELPIC card."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

from immo_connect.eid.card import CardReader
from immo_connect.eid.emulator.card import BELPIC_AID, BelpicCard, encode_pin_block
from immo_connect.eid.emulator.pki import IssuedCard, TestPki


@pytest.fixture(scope="module")
def card18() -> IssuedCard:
    return TestPki("ec").issue_card()


@pytest.fixture(scope="module")
def card17() -> IssuedCard:
    return TestPki("rsa").issue_card(version_tag=True)


class Direct:
    """A transport straight into the emulator, counting exchanges."""

    def __init__(self, card: BelpicCard) -> None:
        self.card = card
        self.log: list[tuple[bytes, bytes]] = []

    def transmit(self, apdu: bytes) -> tuple[bytes, int, int]:
        response = self.card.execute(apdu)
        self.log.append((apdu, response[-2:]))
        return response[:-2], response[-2], response[-1]


def sw(response: bytes) -> str:
    return response[-2:].hex().upper()


def test_select_applet_and_files_in_every_form(card18: IssuedCard) -> None:
    card = card18.emulator()
    assert sw(card.execute(bytes([0, 0xA4, 4, 0x0C, len(BELPIC_AID)]) + BELPIC_AID)) == "9000"
    assert sw(card.execute(bytes.fromhex("00A4080C063F00DF014031"))) == "9000"  # path with the MF
    assert sw(card.execute(bytes.fromhex("00A4080C04DF014031"))) == "9000"  # and without
    assert sw(card.execute(bytes.fromhex("00A4040C0CA000000177496446696C6573"))) == "9000"  # DF(ID) by AID
    assert sw(card.execute(bytes.fromhex("00A4020C024033"))) == "9000"  # FID relative to DF(ID)
    assert card.execute(bytes.fromhex("00B0000005")) == card18.file("4033")[:5] + b"\x90\x00"
    assert sw(card.execute(bytes.fromhex("00A4080C04DF019999"))) == "6A82"
    assert sw(card.execute(bytes.fromhex("00A4080C05DF0140"))) == "6A87"  # Lc does not match
    assert sw(card.execute(bytes.fromhex("00A4087F04DF014031"))) == "6A86"  # bad P2
    assert sw(card.execute(bytes.fromhex("B0A4080C04DF014031"))) == "6E00"  # bad CLA
    assert sw(card.execute(bytes.fromhex("00FF000000"))) == "6D00"  # unknown INS


def test_read_binary_status_words(card18: IssuedCard) -> None:
    card = card18.emulator()
    assert sw(card.execute(bytes.fromhex("00B0000010"))) == "6986"  # no EF selected yet
    card.execute(bytes.fromhex("00A4080C04DF014033"))  # the 117-byte address file
    assert sw(card.execute(bytes.fromhex("00B0000000"))) == "6C75"  # Le 256 > 117 left
    assert len(card.execute(bytes.fromhex("00B0000075"))) == 117 + 2
    assert sw(card.execute(bytes.fromhex("00B0007500"))) == "6B00"  # offset at the end
    assert sw(card.execute(bytes.fromhex("00B0007010"))) == "6C05"


def test_get_card_data_per_applet(card18: IssuedCard, card17: IssuedCard) -> None:
    card = card18.emulator()
    data = card.execute(bytes.fromhex("80E400001C"))
    assert sw(data) == "9000" and data[21] == 0x18 and data[:16] == card18.card_data[:16]
    longer = card.execute(bytes.fromhex("80E400011F"))
    assert len(longer) == 31 + 2 and longer[28] == 3  # PIN tries left
    assert sw(card.execute(bytes.fromhex("80E4000010"))) == "6C1C"
    old = card17.emulator()
    assert old.execute(bytes.fromhex("80E400001C"))[21] == 0x17
    assert sw(old.execute(bytes.fromhex("80E400011F"))) == "6A86"


def test_pin_tries_and_blocking(card18: IssuedCard) -> None:
    card = card18.emulator()
    wrong = bytes.fromhex("0020000108") + encode_pin_block("0000")
    assert sw(card.execute(wrong)) == "63C2"
    assert sw(card.execute(bytes.fromhex("00200001"))) == "63C2"  # ask the counter
    assert sw(card.execute(bytes.fromhex("0020000108") + encode_pin_block("1234"))) == "9000"  # resets it
    assert [sw(card.execute(wrong)) for _ in range(3)] == ["63C2", "63C1", "6983"]
    assert sw(card.execute(bytes.fromhex("0020000108") + encode_pin_block("1234"))) == "6983"


def test_pin_block_encoding() -> None:
    assert encode_pin_block("1234") == bytes.fromhex("241234FFFFFFFFFF")
    assert encode_pin_block("12345") == bytes.fromhex("2512345FFFFFFFFF")


def test_signature_needs_the_pin_and_answers_through_get_response(card18: IssuedCard) -> None:
    card = card18.emulator()
    digest = hashlib.sha384(b"challenge").digest()
    assert sw(card.execute(bytes.fromhex("002241B6050480028482"))) == "9000"
    assert sw(card.execute(bytes.fromhex("002A9E9A30") + digest)) == "6982"  # PIN not verified
    card.execute(bytes.fromhex("0020000108") + encode_pin_block("1234"))
    assert sw(card.execute(bytes.fromhex("002A9E9A30") + digest)) == "6160"
    signature = card.execute(bytes.fromhex("00C0000060"))
    assert sw(signature) == "9000"
    r, s = int.from_bytes(signature[:48], "big"), int.from_bytes(signature[48:96], "big")
    card18.auth_cert.public_key().verify(  # type: ignore[call-arg]
        utils.encode_dss_signature(r, s), digest, ec.ECDSA(utils.Prehashed(hashes.SHA384()))  # type: ignore[arg-type]
    )


def test_rsa_signature_of_a_17_card(card17: IssuedCard) -> None:
    card = card17.emulator()
    digest = hashlib.sha256(b"challenge").digest()
    card.execute(bytes.fromhex("0020000108") + encode_pin_block("1234"))
    card.execute(bytes.fromhex("002241B6050480088482"))
    assert sw(card.execute(bytes.fromhex("002A9E9A20") + digest)) == "6100"  # 256 bytes waiting
    signature = card.execute(bytes.fromhex("00C0000000"))[:-2]
    card17.auth_cert.public_key().verify(  # type: ignore[call-arg]
        signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())  # type: ignore[arg-type]
    )


def test_internal_authenticate_with_the_basic_key(card18: IssuedCard) -> None:
    card = card18.emulator()
    challenge = bytes(range(48))
    assert sw(card.execute(bytes.fromhex("0088028132" "9430") + challenge)) == "6160"
    raw = card.execute(bytes.fromhex("00C0000060"))[:-2]
    key = serialization.load_der_public_key(card18.file("4040"))
    assert isinstance(key, ec.EllipticCurvePublicKey)
    r, s = int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big")
    key.verify(utils.encode_dss_signature(r, s), challenge, ec.ECDSA(utils.Prehashed(hashes.SHA384())))


@pytest.mark.parametrize("fixture", ["card18", "card17"])
def test_the_reader_gets_every_file_exactly(fixture: str, request: pytest.FixtureRequest) -> None:
    issued: IssuedCard = request.getfixturevalue(fixture)
    transport = Direct(issued.emulator())
    files = CardReader(transport).read_all()
    assert files == issued.card_files()
    assert files.auth_cert is not None and files.auth_cert == issued.file("5038").rstrip(b"\0")[: len(files.auth_cert)]
    status_words = {r.hex().upper() for _apdu, r in transport.log}
    assert "6B00" in status_words or any(s.startswith("6C") for s in status_words)


def test_a_file_ending_on_a_chunk_boundary_ends_with_6b00(card18: IssuedCard) -> None:
    # 248 bytes exactly: the first chunk is full, the next READ BINARY answers 6B00.
    issued = card18.with_file("4035", b"\xAB" * 0xF8)
    transport = Direct(issued.emulator())
    reader = CardReader(transport)
    reader.select_applet()
    assert reader.read_file("DF014035") == b"\xAB" * 0xF8
    assert [r.hex().upper() for _a, r in transport.log[-2:]] == ["9000", "6B00"]


def test_le_too_large_is_retried_with_the_size_the_card_gives(card18: IssuedCard) -> None:
    transport = Direct(card18.emulator())
    reader = CardReader(transport)
    reader.select_applet()
    assert reader.read_file("DF014033") == card18.file("4033")
    assert [r.hex().upper() for _a, r in transport.log[-2:]] == ["6C75", "9000"]
    assert transport.log[-1][0][-1] == 0x75
