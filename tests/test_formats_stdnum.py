"""IBAN and national register number checks agree with python-stdnum, with our own messages.

stdnum carries the National Bank of Belgium's list of bank codes and the rules of the
national register (birth dates, BIS months); random numbers built to pass the check digits
must be accepted or refused exactly as stdnum does.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban
from stdnum.be import iban as stdnum_be_iban
from stdnum.be import ssn

from immo_connect.errors import ValidationError
from immo_connect.formats import iban, national_number
from immo_connect.plugins.recognitions._register_file import normalise_national_number, parse_register


def belgian_iban(bank_code: int, account: int, *, national_ok: bool = True) -> str:
    first_ten = f"{bank_code:03d}{account:07d}"
    national = int(first_ten) % 97 or 97
    if not national_ok:
        national = national % 97 + 1
    bban = f"{first_ten}{national:02d}"
    check = 98 - int(bban + "111400") % 97  # B=11, E=14, check "00"
    return f"BE{check:02d}{bban}"


def with_check_digits(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def test_every_belgian_bank_code_is_accepted_exactly_when_the_national_bank_assigned_it() -> None:
    accepted = refused = 0
    for code in range(1000):
        number = belgian_iban(code, 1234567)
        assigned = bool(stdnum_be_iban.info(number))
        assert iban.is_valid(number) == assigned == stdnum_be_iban.is_valid(number), number
        if assigned:
            accepted += 1
        else:
            refused += 1
            with pytest.raises(ValidationError) as caught:
                iban.validate(number)
            assert caught.value.code == "iban_bank_code"
    assert accepted > 500 and refused > 50


def test_an_unassigned_bank_code_is_refused_with_its_reason(english: None) -> None:
    with pytest.raises(ValidationError) as caught:
        iban.validate("BE83 1388 1173 5115")
    assert caught.value.code == "iban_bank_code"
    assert caught.value.field == "iban"
    assert "bank code 138" in caught.value.message
    assert "National Bank of Belgium" in caught.value.message


def test_the_unassigned_bank_code_message_is_translated() -> None:
    with pytest.raises(ValidationError) as caught:
        iban.validate("BE83138811735115")
    assert "Banque nationale de Belgique" in caught.value.message


@settings(max_examples=400, deadline=None)
@given(code=st.integers(0, 999), account=st.integers(0, 9_999_999), national_ok=st.booleans(),
       typo=st.none() | st.tuples(st.integers(4, 15), st.integers(0, 9)))
def test_belgian_ibans_agree_with_stdnum(code: int, account: int, national_ok: bool,
                                         typo: tuple[int, int] | None) -> None:
    number = belgian_iban(code, account, national_ok=national_ok)
    if typo is not None:
        position, digit = typo
        number = number[:position] + str(digit) + number[position + 1:]
    assert iban.is_valid(number) == stdnum_be_iban.is_valid(number), number
    assert iban.is_valid(number, belgian=True) == stdnum_be_iban.is_valid(number), number


@settings(max_examples=400, deadline=None)
@given(country=st.sampled_from(["NL", "DE", "FR", "LU", "GB", "CH", "ES", "IT", "XK", "QQ"]),
       bban=st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=11, max_size=30))
def test_foreign_ibans_agree_with_stdnum(country: str, bban: str) -> None:
    number = with_check_digits(country, bban)
    assert iban.is_valid(number) == stdnum_iban.is_valid(number), number


@pytest.mark.parametrize(
    "number", ["NL91ABNA0417164300", "DE89370400440532013000", "FR1420041010050500013M02606", "LU280019400644750000"]
)
def test_real_foreign_ibans_are_accepted(number: str) -> None:
    assert iban.validate(number) == number


def test_a_foreign_iban_of_the_wrong_length_for_its_country_is_refused(english: None) -> None:
    number = with_check_digits("NL", "ABNA04171643001")  # one character too many for the Netherlands
    with pytest.raises(ValidationError) as caught:
        iban.validate(number)
    assert caught.value.code == "iban_country_format"
    assert "NL" in caught.value.message


def national_number_with_check(first_nine: str, *, born_after_1999: bool) -> str:
    base = int(("2" if born_after_1999 else "") + first_nine)
    return f"{first_nine}{97 - base % 97:02d}"


@settings(max_examples=1000, deadline=None)
@given(first_nine=st.text("0123456789", min_size=9, max_size=9), born_after_1999=st.booleans())
def test_national_numbers_with_good_check_digits_agree_with_stdnum(first_nine: str, born_after_1999: bool) -> None:
    number = national_number_with_check(first_nine, born_after_1999=born_after_1999)
    assert national_number.is_valid(number) == ssn.is_valid(number), number
    assert (normalise_national_number(number) == number) == ssn.is_valid(number), number


@settings(max_examples=400, deadline=None)
@given(digits=st.text("0123456789", min_size=11, max_size=11))
def test_any_eleven_digits_agree_with_stdnum(digits: str) -> None:
    assert national_number.is_valid(digits) == ssn.is_valid(digits), digits


@pytest.mark.parametrize(
    ("first_nine", "valid"),
    [
        ("850730033", True),  # 30 July 1985
        ("851330033", False),  # a 13th month
        ("859930033", False),  # month 99
        ("852730033", True),  # BIS number, sex unknown (month + 20)
        ("854730033", True),  # BIS number, sex known (month + 40)
        ("856130033", False),  # beyond any BIS month
        ("850000033", True),  # birth date unknown when the number was given
    ],
)
def test_impossible_birth_dates_are_refused(first_nine: str, valid: bool) -> None:
    number = national_number_with_check(first_nine, born_after_1999=False)
    assert national_number.is_valid(number) is valid
    assert (normalise_national_number(number) is not None) is valid


def test_refusals_name_their_reason_without_the_number(english: None) -> None:
    bad_date = national_number_with_check("851330033", born_after_1999=False)
    cases = {bad_date: "national_number_date", "85.07.30-033.29": "national_number_checksum",
             "8507300332": "national_number_format", "85x07300332": "national_number_format",
             "": "national_number_missing"}
    for text, code in cases.items():
        with pytest.raises(ValidationError) as caught:
            national_number.validate(text)
        assert caught.value.code == code, text
        assert caught.value.hint
        if text:
            assert text not in caught.value.message + caught.value.hint
    assert national_number.validate(" 85.07.30-033.28 ") == "85073003328"


def test_a_register_line_with_an_impossible_birth_date_is_skipped() -> None:
    bad_date = national_number_with_check("851330033", born_after_1999=False)
    text = ("national_number;register_number;recognition;valid_from;valid_until\n"
            f"{bad_date};1;ipi.agent;2011-09-01;\n85073003328;2;ipi.agent;2011-09-01;\n")
    assert list(parse_register(text, {"ipi.agent"})) == ["85073003328"]
