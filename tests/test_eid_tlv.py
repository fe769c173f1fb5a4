"""The card's TLV files: the length rule, tag 00, padding, empty values, dates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from immo_connect.eid.emulator.pki import Holder, TestPki, card_number, national_number
from immo_connect.eid.errors import CardDataInvalid
from immo_connect.eid.tlv import encode_tlv, parse_address, parse_birth_date, parse_identity, parse_tlv


def test_length_below_255_is_one_byte_even_above_0x80() -> None:
    # Not DER: 0x81 is a plain length of 129, not "one length byte follows".
    value = bytes(range(129))
    assert parse_tlv(bytes([0x01, 0x81]) + value) == {0x01: value}


def test_each_leading_ff_adds_255() -> None:
    value = b"x" * 300
    assert encode_tlv([(0x07, value)])[:3] == bytes([0x07, 0xFF, 0x2D])
    assert parse_tlv(bytes([0x07, 0xFF, 0x2D]) + value) == {0x07: value}
    value = b"y" * 510
    assert encode_tlv([(0x07, value)])[:4] == bytes([0x07, 0xFF, 0xFF, 0x00])
    assert parse_tlv(bytes([0x07, 0xFF, 0xFF, 0x00]) + value) == {0x07: value}


def test_leading_tag_00_is_the_version_and_is_skipped() -> None:
    assert parse_tlv(bytes.fromhex("0002010001024142")) == {0x01: b"AB"}


def test_tag_00_after_the_first_element_starts_the_padding() -> None:
    data = bytes.fromhex("010141") + bytes(20)
    assert parse_tlv(data) == {0x01: b"A"}


def test_data_after_the_padding_is_refused() -> None:
    with pytest.raises(CardDataInvalid) as caught:
        parse_tlv(bytes.fromhex("010141") + bytes(5) + b"\x02")
    assert caught.value.code == "eid.malformed"


def test_empty_values_are_legal() -> None:
    assert parse_tlv(bytes.fromhex("0E00" "0F0131")) == {0x0E: b"", 0x0F: b"1"}


@pytest.mark.parametrize("data", [
    bytes.fromhex("0105414243"),  # value shorter than its length
    bytes.fromhex("01"),  # no length at all
    bytes.fromhex("01FFFF"),  # length bytes run out
    bytes.fromhex("010141" "010142"),  # the same tag twice
])
def test_truncated_or_ambiguous_tlv_is_refused(data: bytes) -> None:
    with pytest.raises(CardDataInvalid):
        parse_tlv(data)


@given(st.lists(st.tuples(st.integers(1, 255), st.binary(max_size=700)), max_size=8, unique_by=lambda f: f[0]))
def test_encode_then_parse_gives_the_fields_back(fields: list[tuple[int, bytes]]) -> None:
    assert parse_tlv(encode_tlv(fields)) == dict(fields)


def _identity(pki: TestPki, **changes: object) -> bytes:
    return pki.issue_card(Holder(**changes)).file("4031")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return TestPki("ec")


def test_identity_file_is_parsed_completely(pki: TestPki) -> None:
    card = pki.issue_card(Holder(surname="Van den Berghe", first_names="Élise Anne", sex="V"), version_tag=True)
    identity = parse_identity(card.file("4031"))
    assert identity.surname == "Van den Berghe"
    assert identity.first_names == "Élise Anne" and identity.given_name == "Élise"
    assert identity.sex == "F"  # the Dutch "V"rouw
    assert identity.national_number == card.holder.national_number
    assert identity.birth_date == dt.date(1985, 7, 30) and identity.birth_date_raw == "30 JUL 1985"
    assert identity.nobility == "" and identity.document_type == "01"
    assert len(identity.photo_hash) == 48 and identity.basic_key_hash is not None
    assert identity.validity_end > identity.validity_begin
    assert identity.card_number[10:] == f"{int(identity.card_number[:10]) % 97 or 97:02d}"
    assert identity.national_number not in repr(identity)


def test_unknown_and_foreigner_tags_are_kept_aside_not_refused(pki: TestPki) -> None:
    data = pki.issue_card().file("4031") + encode_tlv([(0x16, b"7"), (0x2F, b"future field")])
    identity = parse_identity(data)
    assert identity.extra == {0x16: b"7", 0x2F: b"future field"}
    assert not identity.member_of_family
    assert parse_identity(data + encode_tlv([(0x30, b"")])).extra[0x30] == b""


def test_member_of_family_is_the_presence_of_an_empty_tag(pki: TestPki) -> None:
    fields = parse_tlv(pki.issue_card().file("4031"))
    fields[0x14] = b""
    assert parse_identity(encode_tlv(sorted(fields.items()))).member_of_family


def test_identity_without_a_national_number_is_refused(pki: TestPki) -> None:
    fields = parse_tlv(pki.issue_card().file("4031"))
    del fields[0x06]
    with pytest.raises(CardDataInvalid):
        parse_identity(encode_tlv(sorted(fields.items())))


def test_address_file_with_its_padding() -> None:
    data = encode_tlv([(0x01, "Chaussée de Wavre 12".encode()), (0x02, b"1050"), (0x03, b"Ixelles")]).ljust(117, b"\0")
    address = parse_address(data)
    assert (address.street_and_number, address.zip_code, address.municipality) == ("Chaussée de Wavre 12", "1050", "Ixelles")


@pytest.mark.parametrize(("raw", "expected"), [
    ("30 JUL 1985", dt.date(1985, 7, 30)),      # Dutch and French short form
    ("05 MAAR 1990", dt.date(1990, 3, 5)),      # Dutch
    ("05 MARS 1990", dt.date(1990, 3, 5)),      # French
    ("14 FEV 2001", dt.date(2001, 2, 14)),      # French, no accent
    ("14 FÉV 2001", dt.date(2001, 2, 14)),      # with the accent
    ("01 AOUT 1977", dt.date(1977, 8, 1)),
    ("30.MÄR.1985", dt.date(1985, 3, 30)),      # German
    ("24.DEZ.1969", dt.date(1969, 12, 24)),
    ("03 OKT 1950", dt.date(1950, 10, 3)),
    ("   .   .1985", None),                     # unknown day and month of a foreigner
    ("01     1985", None),                      # blank month
    ("31 FEB 1985", None),                      # no such day
])
def test_birth_dates_in_french_dutch_and_german(raw: str, expected: dt.date | None) -> None:
    assert parse_birth_date(raw) == expected


def test_unknown_birth_date_keeps_the_raw_text(pki: TestPki) -> None:
    identity = parse_identity(_identity(pki, birth_date="  .   .1985"))
    assert identity.birth_date is None and identity.birth_date_raw == "  .   .1985"


def test_generated_numbers_pass_their_checks() -> None:
    assert national_number(dt.date(1985, 7, 30), 33) == "85073003328"  # belgian-formats.md
    assert national_number(dt.date(2017, 7, 30), 33) == "17073003384"
    number = card_number(1234567890)
    assert int(number[:10]) % 97 == int(number[10:]) % 97
