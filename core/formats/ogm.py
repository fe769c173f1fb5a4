"""Belgian structured communications (OGM/VCS, "communication structurée").

Twelve digits: a ten-digit base and two check digits, ``base mod 97`` (a remainder of 0 gives
``97``). Written ``+++123/4567/89002+++``; banks and people also write ``***…***``, spaces,
dots or no separators at all. The platform stores the twelve digits and shows the ``+++``
form. Pure functions, no database.
"""

from __future__ import annotations

import re

from immo_connect.errors import ValidationError
from immo_connect.i18n import _

_STRIP = re.compile(r"[\s/.\-+*]")
_DIGITS = re.compile(r"[0-9]{12}")


def check_digits(base: int | str) -> str:
    """The two check digits of a ten-digit ``base`` (``97`` when the remainder is 0)."""
    remainder = int(base) % 97
    return f"{remainder or 97:02d}"


def generate(base: int) -> str:
    """The twelve digits of the communication for ``base`` (1 ≤ base < 10¹⁰)."""
    if not 0 < base < 10**10:
        raise ValueError(f"an OGM base has 1 to 10 digits and is not zero, got {base}")
    text = f"{base:010d}"
    return text + check_digits(text)


def compact(value: str) -> str:
    """``value`` without ``+++``/``***`` and separators; not yet validated."""
    return _STRIP.sub("", value or "")


def validate(value: str, *, field: str = "structured_communication") -> str:
    """The twelve digits of ``value``, or a :class:`ValidationError` naming what is wrong."""
    digits = compact(value)
    hint = _("A structured communication looks like +++123/4567/89002+++ (12 digits).")
    if not digits:
        raise ValidationError(_("The structured communication is missing."), hint=hint,
                              field=field, code="ogm_missing")
    if not digits.isdigit() or not digits.isascii():
        raise ValidationError(
            _("A structured communication contains only digits (and the +++ / separators)."),
            hint=hint, field=field, code="ogm_characters",
        )
    if not _DIGITS.fullmatch(digits):
        raise ValidationError(
            _("The structured communication has {count} digits; it needs 12.").format(count=len(digits)),
            hint=hint, field=field, code="ogm_length",
        )
    if int(digits[:10]) == 0 or check_digits(digits[:10]) != digits[10:]:
        raise ValidationError(
            _("The structured communication {value} fails its check digits (mod 97): a digit "
              "is wrong or two digits are swapped.").format(value=format_ogm(digits)),
            hint=_("Copy the structured communication exactly as shown on the wallet's bank transfer screen."),
            field=field, code="ogm_checksum",
        )
    return digits


def is_valid(value: str) -> bool:
    try:
        validate(value)
    except ValidationError:
        return False
    return True


def parse(value: str) -> str | None:
    """The twelve digits when ``value`` is a valid communication, else ``None`` (for bank lines)."""
    try:
        return validate(value)
    except ValidationError:
        return None


def format_ogm(value: str) -> str:
    """``+++123/4567/89002+++``; input that is not twelve digits is returned compacted."""
    digits = compact(value)
    if not _DIGITS.fullmatch(digits):
        return digits
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"
