"""IBAN (ISO 13616, any country) with the Belgian national check, and BIC.

A Belgian IBAN is ``BE`` + 2 check digits + 12 digits (3-digit bank code, 7-digit account,
2 national check digits = first ten mod 97, 0 → 97). The IBAN check moves the first four
characters to the end, maps letters to numbers (A=10 … Z=35) and requires mod 97 = 1.
Stored compact (``BE71096123456769``), shown in groups of four. Pure functions.

Beyond the check digits, python-stdnum holds what changes over time: the length and layout
of each country's IBAN, and the Belgian bank codes assigned by the National Bank of Belgium
(a Belgian IBAN with a code never assigned is refused: a digit is wrong). The messages are
ours, translated; stdnum only answers yes or no.
"""

from __future__ import annotations

import re

from stdnum import iban as stdnum_iban
from stdnum.be import iban as stdnum_be_iban
from stdnum.exceptions import ValidationError as StdnumError

from immo_connect.errors import ValidationError
from immo_connect.i18n import _

_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")
_BE = re.compile(r"BE[0-9]{14}")


def compact(value: str) -> str:
    """``value`` upper-cased without spaces, dots or dashes; not yet validated."""
    return re.sub(r"[\s.\-]", "", value or "").upper().removeprefix("IBAN")


def _mod97(iban: str) -> int:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97


def validate(value: str, *, field: str = "iban", belgian: bool = False) -> str:
    """The compact IBAN, or a :class:`ValidationError`. ``belgian`` refuses other countries."""
    iban = compact(value)
    hint = _("Enter the IBAN as printed by the bank, e.g. BE71 0961 2345 6769.")
    if not iban:
        raise ValidationError(_("The IBAN is missing."), hint=hint, field=field, code="iban_missing")
    if not _IBAN.fullmatch(iban):
        raise ValidationError(
            _("{value} is not an IBAN: it starts with two letters and two digits, then the account.")
            .format(value=iban), hint=hint, field=field, code="iban_format",
        )
    if belgian and not iban.startswith("BE"):
        raise ValidationError(_("A Belgian IBAN starts with BE."), hint=hint, field=field,
                              code="iban_country")
    if iban.startswith("BE") and not _BE.fullmatch(iban):
        raise ValidationError(
            _("A Belgian IBAN has 16 characters: BE and 14 digits."), hint=hint, field=field,
            code="iban_length",
        )
    if _mod97(iban) != 1:
        raise ValidationError(
            _("The IBAN {value} fails its check digits: a character is wrong or two are swapped.")
            .format(value=format_iban(iban)), hint=hint, field=field, code="iban_checksum",
        )
    if iban.startswith("BE"):
        national = int(iban[4:14]) % 97 or 97
        if national != int(iban[14:]):
            raise ValidationError(
                _("The IBAN {value} fails the Belgian account check digits.").format(value=format_iban(iban)),
                hint=hint, field=field, code="iban_national_checksum",
            )
        if not stdnum_be_iban.info(iban):
            raise ValidationError(
                _("The IBAN {value} has the bank code {code}, which the National Bank of Belgium has "
                  "not given to any bank: a digit is wrong.").format(value=format_iban(iban), code=iban[4:7]),
                hint=hint, field=field, code="iban_bank_code",
            )
        return iban
    try:
        stdnum_iban.validate(iban)
    except StdnumError:
        raise ValidationError(
            _("{value} is not an IBAN of {country}: its length or layout is not the one of that country.")
            .format(value=format_iban(iban), country=iban[:2]), hint=hint, field=field, code="iban_country_format",
        ) from None
    return iban


def is_valid(value: str, *, belgian: bool = False) -> bool:
    try:
        validate(value, belgian=belgian)
    except ValidationError:
        return False
    return True


def format_iban(value: str) -> str:
    """``BE71 0961 2345 6769`` (groups of four)."""
    iban = compact(value)
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def from_belgian_account(value: str) -> str:
    """The IBAN of an old Belgian account number ``096-1234567-69``."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) != 12:
        raise ValidationError(
            _("An old Belgian account number has 12 digits (e.g. 096-1234567-69)."),
            field="account", code="account_length",
        )
    check = 98 - int(digits + "111400") % 97  # B=11, E=14, check "00"
    return validate(f"BE{check:02d}{digits}")


def validate_bic(value: str, *, field: str = "bic") -> str:
    """The BIC upper-cased (8 or 11 characters), or a :class:`ValidationError`."""
    bic = re.sub(r"\s", "", value or "").upper()
    if not _BIC.fullmatch(bic):
        raise ValidationError(
            _("{value} is not a BIC: 4 letters (bank), 2 letters (country), 2 letters or digits "
              "(place), optionally 3 more (branch).").format(value=bic or "—"),
            hint=_("Enter the BIC as printed by the bank, e.g. GKCCBEBB."), field=field, code="bic_format",
        )
    return bic
