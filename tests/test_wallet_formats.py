"""Structured communications (OGM) and IBAN/BIC, against the checked examples of the spec."""

from __future__ import annotations

import pytest

from immo_connect.errors import ValidationError
from immo_connect.formats import iban, ogm


@pytest.mark.parametrize(
    ("base", "shown"),
    [
        (108068171, "+++010/8068/17183+++"),
        (1234567890, "+++123/4567/89002+++"),
        (2026000042, "+++202/6000/04236+++"),
        (12345, "+++000/0012/34526+++"),
        (97, "+++000/0000/09797+++"),
        (1, "+++000/0000/00101+++"),
    ],
)
def test_ogm_generate_and_format(base: int, shown: str) -> None:
    digits = ogm.generate(base)
    assert ogm.format_ogm(digits) == shown
    assert ogm.validate(shown) == digits


@pytest.mark.parametrize(
    "written", ["+++010/8068/17183+++", "***010/8068/17183***", " 010 8068 17183 ", "010806817183", "010.8068.17183"]
)
def test_ogm_tolerant_parsing(written: str) -> None:
    assert ogm.validate(written) == "010806817183"
    assert ogm.parse(written) == "010806817183"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("010/8068/17180", "ogm_checksum"),
        ("+++000/0000/09700+++", "ogm_checksum"),  # remainder 0 must give 97
        ("+++000/0000/00000+++", "ogm_checksum"),
        ("+++010/8068/1718+++", "ogm_length"),
        ("+++010/8068/17183A+++", "ogm_characters"),
        ("", "ogm_missing"),
        ("+++١٢٣/٤٥٦٧/٨٩٠٠٢+++", "ogm_characters"),  # non-ASCII digits
    ],
)
def test_ogm_rejections_name_the_problem(written: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ogm.validate(written)
    assert caught.value.code == code
    assert caught.value.hint
    assert ogm.parse(written) is None


def test_ogm_swapped_digits_are_caught() -> None:
    digits = ogm.generate(1_234_567_890)
    for i in range(9):  # every adjacent pair of different digits in the base
        swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
        assert swapped != digits
        assert not ogm.is_valid(swapped), swapped


@pytest.mark.parametrize(
    ("old", "expected"),
    [
        ("734-0123456-81", "BE36734012345681"),
        ("096-1234567-69", "BE71096123456769"),
        ("001-2345678-03", "BE21001234567803"),
    ],
)
def test_belgian_accounts_to_iban(old: str, expected: str) -> None:
    assert iban.from_belgian_account(old) == expected


def test_an_old_account_number_of_a_bank_code_never_assigned_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        iban.from_belgian_account("539-0075470-34")  # good check digits, but no bank has code 539
    assert caught.value.code == "iban_bank_code"


def test_iban_validation_and_format() -> None:
    assert iban.validate("be48 3200 7018 4927") == "BE48320070184927"
    assert iban.format_iban("BE48320070184927") == "BE48 3200 7018 4927"
    assert iban.is_valid("NL91ABNA0417164300")
    assert not iban.is_valid("NL91ABNA0417164300", belgian=True)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("BE41 0918 1173 5141", "iban_national_checksum"),
        ("BE69 5390 0754 7034", "iban_checksum"),
        ("BE6853900754703", "iban_length"),
        ("1234", "iban_format"),
        ("", "iban_missing"),
    ],
)
def test_iban_rejections(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        iban.validate(value)
    assert caught.value.code == code


def test_bic() -> None:
    assert iban.validate_bic("gkcc be bb") == "GKCCBEBB"
    assert iban.validate_bic("KREDBEBBXXX") == "KREDBEBBXXX"
    for wrong in ("GKCCBE", "GKCC1EBB", "GKCCBEBBX"):
        with pytest.raises(ValidationError):
            iban.validate_bic(wrong)
