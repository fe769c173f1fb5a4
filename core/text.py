"""The one check of free text typed by people: no control characters.

Names, organisation fields, functions, addresses, descriptions and tool inputs are shown to
other people, in terminals (where ESC, BEL and the C1 codes act on the screen), in PDF and
CSV files, and stored in SQLite or PostgreSQL (which refuses NUL with an error the user
would only see as "unexpected"). So every service refuses them with the same clear error,
whatever the database.
"""

from __future__ import annotations

import re

from immo_connect.errors import ValidationError
from immo_connect.i18n import _

# C0 controls (NUL, ESC, BEL, …), DEL and the C1 controls. Multi-line texts keep their line
# breaks and tabs.
_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    return (_MULTI_LINE if multiline else _ONE_LINE).search(value) is not None


def check_free_text(value: str, *, field: str, label: str = "", multiline: bool = False) -> str:
    """``value`` unchanged, or a :class:`ValidationError` naming the field when it holds controls."""
    if has_control_characters(value, multiline=multiline):
        message = (_("{label} contains invisible control characters.").format(label=label) if label
                   else _("This field contains invisible control characters."))
        raise ValidationError(
            message, hint=_("Type the text again instead of pasting it."), code="control_characters", field=field,
        )
    return value
