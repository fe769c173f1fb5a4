"""The Belgian national register number, and the BIS number of people outside the register.

Eleven digits: the birth date ``YYMMDD`` (a BIS number adds 20 or 40 to the month; a month
or day of 00 stands for a date unknown when the number was given), a 3-digit counter (odd
for men) and two check digits, ``97 - (first nine mod 97)`` — computed over ``2`` followed by
the nine digits for people born from 2000. python-stdnum's ``be.ssn`` (``be.nn`` and
``be.bis``) decides: beyond the check digits it refuses dates that cannot exist (a 13th
month, a 31st of April). The messages are ours, translated.

The number itself never appears in a message: messages can reach logs.
"""

from __future__ import annotations

import re

from stdnum.be import ssn
from stdnum.exceptions import InvalidChecksum, InvalidComponent
from stdnum.exceptions import ValidationError as StdnumError

from immo_connect.errors import ValidationError
from immo_connect.i18n import _

_WRITTEN = re.compile(r"[0-9][0-9 .\-]*")


def compact(value: str) -> str:
    """``value`` without spaces, dots or dashes; not yet validated."""
    return re.sub(r"[\s.\-]", "", value or "")


def validate(value: str, *, field: str = "national_number") -> str:
    """The 11 digits of a valid national or BIS number, or a :class:`ValidationError`."""
    hint = _("Copy the national number from the back of the identity card, e.g. 85.07.30-033.28.")
    text = (value or "").strip()
    if not text:
        raise ValidationError(_("The national number is missing."), hint=hint, field=field,
                              code="national_number_missing")
    digits = compact(text)
    if not _WRITTEN.fullmatch(text) or len(digits) != 11:
        raise ValidationError(_("A national number has 11 digits."), hint=hint, field=field,
                              code="national_number_format")
    try:
        ssn.validate(digits)
    except InvalidChecksum:
        raise ValidationError(
            _("The national number fails its check digits: a digit is wrong or two are swapped."),
            hint=hint, field=field, code="national_number_checksum",
        ) from None
    except InvalidComponent:
        raise ValidationError(
            _("The national number does not start with a birth date that can exist."),
            hint=hint, field=field, code="national_number_date",
        ) from None
    except StdnumError:
        raise ValidationError(_("A national number has 11 digits."), hint=hint, field=field,
                              code="national_number_format") from None
    return digits


def is_valid(value: str) -> bool:
    try:
        validate(value)
    except ValidationError:
        return False
    return True
