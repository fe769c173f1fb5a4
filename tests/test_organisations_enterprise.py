"""Enterprise numbers: parsing, validation with reasons, formatting; agreement with python-stdnum."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.be import vat

from immo_connect.errors import ValidationError
from immo_connect.formats import enterprise


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("0403.019.261", "0403019261"),
        ("BE 0428.759.497", "0428759497"),
        ("BE428759497", "0428759497"),
        ("be0409 357 321", "0409357321"),
        ("0314-595-348", "0314595348"),
        ("1000.000.021", "1000000021"),
        ("0750/000/040", "0750000040"),
        ("BE(0)403019261", "0403019261"),
    ],
)
def test_valid_numbers_are_stored_as_ten_digits(text: str, digits: str) -> None:
    assert enterprise.validate(text) == digits
    assert enterprise.is_valid(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "enterprise_number_missing"),
        ("403.019.26", "enterprise_number_length"),
        ("04030192611", "enterprise_number_length"),
        ("0403.O19.261", "enterprise_number_characters"),
        ("2428.759.497", "enterprise_number_first_digit"),
        ("0000.000.000", "enterprise_number_zero"),
        ("0431.150.351", "enterprise_number_checksum"),
        ("0428.759.479", "enterprise_number_checksum"),
    ],
)
def test_invalid_numbers_are_refused_with_their_reason(text: str, code: str, english: None) -> None:
    with pytest.raises(ValidationError) as caught:
        enterprise.validate(text)
    assert caught.value.code == code
    assert caught.value.field == "enterprise_number"
    assert caught.value.message and caught.value.hint


def test_reasons_are_written_for_people(english: None) -> None:
    with pytest.raises(ValidationError, match="has 8 digits; it needs 10"):
        enterprise.validate("12345678")  # only a nine-digit number gets the leading 0
    with pytest.raises(ValidationError, match="check digits"):
        enterprise.validate("0431150351")


def test_format_groups_four_three_three() -> None:
    assert enterprise.format_number("0403019261") == "0403.019.261"
    assert enterprise.format_number("BE 403 019 261") == "0403.019.261"
    assert enterprise.format_number("12") == "12"


def test_check_digits_complete_a_number() -> None:
    assert enterprise.check_digits("04030192") == "61"
    assert enterprise.is_valid("04030192" + enterprise.check_digits("04030192"))


_SEPARATOR = st.sampled_from(["", "", "", " ", ".", "-", "/"])


@st.composite
def written_numbers(draw: st.DrawFn) -> str:
    """Numbers as people type them: mostly near-valid, with separators and prefixes."""
    length = draw(st.sampled_from([8, 9, 10, 10, 10, 10, 11]))
    digits = draw(st.text(alphabet="0123456789", min_size=length, max_size=length))
    if length == 10 and draw(st.booleans()):
        digits = digits[:8] + enterprise.check_digits(digits[:8])  # often a valid check
    if draw(st.integers(0, 20)) == 0:
        digits = digits.replace(digits[0], "x", 1)
    parts, rest = [], digits
    while rest:
        size = draw(st.integers(1, 4))
        parts.append(rest[:size])
        rest = rest[size:]
    text = "".join(part + draw(_SEPARATOR) for part in parts)
    prefix = draw(st.sampled_from(["", "", "BE", "be", "BE ", "BE."]))
    return prefix + text


@settings(max_examples=3000, deadline=None)
@given(written_numbers())
def test_agrees_with_python_stdnum(text: str) -> None:
    assert enterprise.is_valid(text) == vat.is_valid(text), text
    if vat.is_valid(text):
        assert enterprise.validate(text) == vat.compact(text)


@settings(max_examples=1000, deadline=None)
@given(st.integers(0, 19_999_999))
def test_every_computed_check_agrees_with_stdnum(first_eight: int) -> None:
    body = f"{first_eight:08d}"
    number = body + enterprise.check_digits(body)
    assert enterprise.is_valid(number) == vat.is_valid(number)
