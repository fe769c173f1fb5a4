"""The TLV files of the card: identity (4031) and address (4033).

The card's TLV is not DER. A tag is one byte; a length is one byte below 255, and every
leading ``FF`` byte adds 255 before the first other byte is added (300 = ``FF 2D``). A tag
``00`` may only come first (the file structure version); after the first element a ``00``
tag starts the zero padding, which must then run to the end of the file. Empty values are
legal and unknown tags are ignored, as newer cards add fields.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata

from immo_connect.eid.errors import CardDataInvalid
from immo_connect.formats.national_number import is_valid as national_number_is_valid

# Identity file tags (the names the official middleware uses, shortened).
ID_CARD_NUMBER = 0x01
ID_CHIP_NUMBER = 0x02
ID_VALIDITY_BEGIN = 0x03
ID_VALIDITY_END = 0x04
ID_ISSUING_MUNICIPALITY = 0x05
ID_NATIONAL_NUMBER = 0x06
ID_SURNAME = 0x07
ID_FIRST_NAMES = 0x08
ID_THIRD_INITIAL = 0x09
ID_NATIONALITY = 0x0A
ID_BIRTH_PLACE = 0x0B
ID_BIRTH_DATE = 0x0C
ID_SEX = 0x0D
ID_NOBILITY = 0x0E
ID_DOCUMENT_TYPE = 0x0F
ID_SPECIAL_STATUS = 0x10
ID_PHOTO_HASH = 0x11
ID_DUPLICATE = 0x12
ID_SPECIAL_ORGANISATION = 0x13
ID_MEMBER_OF_FAMILY = 0x14
ID_PROTECTION = 0x15
ID_WORK_PERMIT = 0x16
ID_EMPLOYER_VAT_1 = 0x17
ID_EMPLOYER_VAT_2 = 0x18
ID_REGIONAL_FILE_NUMBER = 0x19
ID_BASIC_KEY_HASH = 0x1A

ADDRESS_STREET = 0x01
ADDRESS_ZIP = 0x02
ADDRESS_MUNICIPALITY = 0x03

_IDENTITY_REQUIRED = {
    ID_CARD_NUMBER: "card number",
    ID_VALIDITY_BEGIN: "validity start",
    ID_VALIDITY_END: "validity end",
    ID_NATIONAL_NUMBER: "national number",
    ID_SURNAME: "surname",
    ID_BIRTH_DATE: "birth date",
    ID_PHOTO_HASH: "photo hash",
}
_ADDRESS_REQUIRED = {ADDRESS_STREET: "street", ADDRESS_ZIP: "postal code", ADDRESS_MUNICIPALITY: "municipality"}


def _invalid(what: str) -> CardDataInvalid:
    return CardDataInvalid.make(what)


def parse_tlv(data: bytes, *, what: str = "file") -> dict[int, bytes]:
    """Split a card TLV file into ``{tag: value}``; raise :class:`CardDataInvalid` if malformed."""
    fields: dict[int, bytes] = {}
    position = 0
    first = True
    size = len(data)
    while position < size:
        tag = data[position]
        position += 1
        if tag == 0x00 and not first:
            # Padding: everything that follows must be zero too.
            if any(data[position:]):
                raise _invalid(f"{what}: data after the padding")
            break
        length = 0
        while True:
            if position >= size:
                raise _invalid(f"{what}: truncated length of tag {tag:02X}")
            byte = data[position]
            position += 1
            length += byte
            if byte != 0xFF:
                break
        end = position + length
        if end > size:
            raise _invalid(f"{what}: tag {tag:02X} runs past the end of the file")
        value = data[position:end]
        position = end
        if tag == 0x00:  # the file structure version, allowed first only
            first = False
            continue
        if tag in fields:
            raise _invalid(f"{what}: tag {tag:02X} appears twice")
        fields[tag] = value
        first = False
    return fields


def _text(fields: dict[int, bytes], tag: int, what: str) -> str:
    value = fields.get(tag, b"")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid(f"{what}: tag {tag:02X} is not UTF-8 text") from None


def _card_date(text: str, what: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%d.%m.%Y").date()
    except ValueError:
        raise _invalid(f"{what}: date {text!r} is not DD.MM.YYYY") from None


# Month abbreviations on French, Dutch and German cards (upper case, accents removed).
_MONTHS: dict[str, int] = {}
for _names in (
    ("JAN", "FEV", "MARS", "AVR", "MAI", "JUIN", "JUIL", "AOUT", "SEPT", "OCT", "NOV", "DEC"),
    ("JAN", "FEB", "MAAR", "APR", "MEI", "JUN", "JUL", "AUG", "SEP", "OKT", "NOV", "DEC"),
    ("JAN", "FEB", "MAR", "APR", "MAI", "JUN", "JUL", "AUG", "SEP", "OKT", "NOV", "DEZ"),
):
    for _index, _name in enumerate(_names, start=1):
        _MONTHS.setdefault(_name, _index)
_MONTHS.update({"MRT": 3, "FEVR": 2, "AVRIL": 4})


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.upper())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_birth_date(raw: str) -> dt.date | None:
    """The birth date of tag 0C as a date, or ``None`` when a part is unknown (blank).

    Cards write ``30 JUL 1985`` or ``05 MARS 1990`` (French and Dutch) and ``30.MÄR.1985``
    (German). As the official parser does: two characters of day, the month after the
    first separator, the year after the last one. The raw text is always kept beside it.
    """
    day_text = raw[:2].strip()
    parts = [part for part in re.split(r"[ .]+", raw[2:]) if part]
    if not day_text.isdigit() or len(parts) < 2:
        return None
    month = _MONTHS.get(_fold(parts[0]))
    year_text = parts[-1]
    if month is None or not year_text.isdigit():
        return None
    try:
        return dt.date(int(year_text), month, int(day_text))
    except ValueError:
        return None


@dataclasses.dataclass(frozen=True)
class Identity:
    """The parsed identity file. Raw text is kept where the card's format varies."""

    card_number: str
    chip_number: bytes
    validity_begin: dt.date
    validity_end: dt.date
    issuing_municipality: str
    national_number: str
    surname: str
    first_names: str
    third_name_initial: str
    nationality: str
    birth_place: str
    birth_date_raw: str
    birth_date: dt.date | None
    sex: str  # "M" or "F" (the card writes F, V or W for women)
    nobility: str
    document_type: str
    special_status: str
    photo_hash: bytes
    duplicate: str
    member_of_family: bool
    basic_key_hash: bytes | None
    extra: dict[int, bytes]  # foreigner and later fields, by tag

    @property
    def given_name(self) -> str:
        """The first given name, as the authentication certificate spells it."""
        return self.first_names.split(" ")[0] if self.first_names else ""

    def __repr__(self) -> str:
        # The national number never reaches a log through a repr.
        return f"Identity(card_number={self.card_number!r}, surname={self.surname!r})"


@dataclasses.dataclass(frozen=True)
class Address:
    street_and_number: str
    zip_code: str
    municipality: str


def parse_identity(data: bytes) -> Identity:
    fields = parse_tlv(data, what="identity file")
    missing = [name for tag, name in _IDENTITY_REQUIRED.items() if tag not in fields]
    if missing:
        raise _invalid(f"identity file: missing {', '.join(missing)}")
    national_number = _text(fields, ID_NATIONAL_NUMBER, "identity file")
    if not re.fullmatch(r"\d{11}", national_number):
        raise _invalid("identity file: the national number is not 11 digits")
    if not national_number_is_valid(national_number):
        raise _invalid("identity file: the national number has wrong check digits or an impossible birth date")
    photo_hash = fields[ID_PHOTO_HASH]
    if len(photo_hash) not in (20, 32, 48):
        raise _invalid("identity file: the photo hash has an unknown length")
    sex_raw = _text(fields, ID_SEX, "identity file").strip().upper()
    sex = "M" if sex_raw == "M" else ("F" if sex_raw in ("F", "V", "W") else "")
    birth_raw = _text(fields, ID_BIRTH_DATE, "identity file")
    parsed = set(range(ID_CARD_NUMBER, ID_DUPLICATE + 1)) | {ID_MEMBER_OF_FAMILY, ID_BASIC_KEY_HASH}
    return Identity(
        card_number=_text(fields, ID_CARD_NUMBER, "identity file"),
        chip_number=fields.get(ID_CHIP_NUMBER, b""),
        validity_begin=_card_date(_text(fields, ID_VALIDITY_BEGIN, "identity file"), "identity file"),
        validity_end=_card_date(_text(fields, ID_VALIDITY_END, "identity file"), "identity file"),
        issuing_municipality=_text(fields, ID_ISSUING_MUNICIPALITY, "identity file"),
        national_number=national_number,
        surname=_text(fields, ID_SURNAME, "identity file"),
        first_names=_text(fields, ID_FIRST_NAMES, "identity file"),
        third_name_initial=_text(fields, ID_THIRD_INITIAL, "identity file"),
        nationality=_text(fields, ID_NATIONALITY, "identity file"),
        birth_place=_text(fields, ID_BIRTH_PLACE, "identity file"),
        birth_date_raw=birth_raw,
        birth_date=parse_birth_date(birth_raw),
        sex=sex,
        nobility=_text(fields, ID_NOBILITY, "identity file"),
        document_type=_text(fields, ID_DOCUMENT_TYPE, "identity file"),
        special_status=_text(fields, ID_SPECIAL_STATUS, "identity file"),
        photo_hash=photo_hash,
        duplicate=_text(fields, ID_DUPLICATE, "identity file"),
        member_of_family=ID_MEMBER_OF_FAMILY in fields,
        basic_key_hash=fields.get(ID_BASIC_KEY_HASH),
        extra={tag: value for tag, value in fields.items() if tag not in parsed},
    )


def parse_address(data: bytes) -> Address:
    fields = parse_tlv(data, what="address file")
    missing = [name for tag, name in _ADDRESS_REQUIRED.items() if tag not in fields]
    if missing:
        raise _invalid(f"address file: missing {', '.join(missing)}")
    return Address(
        street_and_number=_text(fields, ADDRESS_STREET, "address file"),
        zip_code=_text(fields, ADDRESS_ZIP, "address file"),
        municipality=_text(fields, ADDRESS_MUNICIPALITY, "address file"),
    )


def encode_tlv(fields: list[tuple[int, bytes]]) -> bytes:
    """Build a card TLV file (used by the card emulator and the tests)."""
    out = bytearray()
    for tag, value in fields:
        out.append(tag)
        length = len(value)
        while length >= 255:
            out.append(0xFF)
            length -= 255
        out.append(length)
        out += value
    return bytes(out)
