"""Belgian enterprise numbers (KBO/BCE): parse, validate, format.

People write them as ``0123.456.789``, ``0123 456 789``, ``BE0123456789`` or in the old
nine-digit form without the leading ``0``. The platform stores the ten digits and shows the
``NNNN.NNN.NNN`` grouping. A valid number starts with ``0`` or ``1`` (2 to 8 are
establishment units) and its last two digits are ``97 - (first eight digits mod 97)``.
"""

from __future__ import annotations

import re

from immo_connect.errors import ValidationError
from immo_connect.i18n import _

# Separators people type between the groups; "(0)" is an old way to write the leading zero.
_SEPARATORS = re.compile(r"[\s.\-/]")
_DIGITS = re.compile(r"[0-9]+")


def compact(value: str) -> str:
    """``value`` without separators, ``BE`` prefix or ``(0)`` notation; not yet validated."""
    text = _SEPARATORS.sub("", value or "").upper()
    text = text.removeprefix("BE")
    if text.startswith("(0)"):
        text = "0" + text[3:]
    if len(text) == 9 and _DIGITS.fullmatch(text):
        text = "0" + text  # the old nine-digit notation
    return text


def check_digits(first_eight: str) -> str:
    """The two check digits that make ``first_eight`` a valid number."""
    return f"{97 - int(first_eight) % 97:02d}"


def _checksum_ok(number: str) -> bool:
    # (first eight + last two) mod 97 == 0: the rule above, written as python-stdnum does.
    return (int(number[:8]) + int(number[8:])) % 97 == 0


def validate(value: str, *, field: str = "enterprise_number") -> str:
    """The ten digits of ``value``, or a :class:`ValidationError` naming what is wrong."""
    number = compact(value)
    hint = _("Enter the 10 digits of the enterprise number, e.g. 0403.019.261.")
    if not number:
        raise ValidationError(_("The enterprise number is missing."), hint=hint, field=field,
                              code="enterprise_number_missing")
    if not _DIGITS.fullmatch(number):
        raise ValidationError(
            _("The enterprise number may only contain digits (dots, spaces and BE are allowed)."),
            hint=hint, field=field, code="enterprise_number_characters",
        )
    if len(number) != 10:
        raise ValidationError(
            _("The enterprise number has {count} digits; it needs 10.").format(count=len(number)),
            hint=hint, field=field, code="enterprise_number_length",
        )
    if int(number) == 0:
        raise ValidationError(_("The enterprise number cannot be all zeros."), hint=hint, field=field,
                              code="enterprise_number_zero")
    if number[0] not in "01":
        raise ValidationError(
            _("An enterprise number starts with 0 or 1; numbers starting with 2 to 9 are "
              "establishment units, not enterprises."),
            hint=_("Enter the number of the enterprise itself (it starts with 0 or 1)."),
            field=field, code="enterprise_number_first_digit",
        )
    if not _checksum_ok(number):
        raise ValidationError(
            _("The enterprise number {number} fails its check digits (mod 97): a digit is "
              "wrong or two digits are swapped.").format(number=format_number(number)),
            hint=_("Check the number against the Crossroads Bank for Enterprises (KBO/BCE)."),
            field=field, code="enterprise_number_checksum",
        )
    return number


def is_valid(value: str) -> bool:
    try:
        validate(value)
    except ValidationError:
        return False
    return True


def format_number(value: str) -> str:
    """``0123.456.789``; input that is not ten digits is returned compacted, unchanged otherwise."""
    number = compact(value)
    if len(number) != 10 or not _DIGITS.fullmatch(number):
        return number
    return f"{number[:4]}.{number[4:7]}.{number[7:]}"
