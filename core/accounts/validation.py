"""Checks of what people type: names, usernames, e-mail addresses, free text.

Each function returns the cleaned value or raises :class:`ValidationError` naming the
field, the problem and the fix. Pure functions: no database.
"""

from __future__ import annotations

import re
import unicodedata

from immo_connect.errors import ValidationError
from immo_connect.i18n import _
from immo_connect.text import has_control_characters as shared_control_check

USERNAME_MIN = 6
USERNAME_MAX = 64
NAME_MAX = 100
EMAIL_MAX = 254

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_NAME = re.compile(r"^[^\W\d_]+([ '’.\-]+[^\W\d_]+)*\.?$")

# Shared mailboxes rather than a person's own: accepted, with a warning (manual 1.2.1).
ROLE_LOCAL_PARTS = frozenset({
    "info", "vente", "ventes", "verkoop", "sales", "contact", "admin", "office", "bureau",
    "kantoor", "accueil", "secretariat", "secretariaat", "location", "verhuur", "immo",
    "agence", "team", "hello", "mail", "noreply", "no-reply", "support", "service",
})


def has_control_characters(value: str) -> bool:
    """Controls (the shared check), and also format, surrogate and private-use characters."""
    return shared_control_check(value) or any(unicodedata.category(ch) in ("Cf", "Cs", "Co") for ch in value)


def clean_text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    """A one-line free text: trimmed, inner spaces kept, no control characters."""
    value = " ".join((value or "").split())
    if required and not value:
        raise ValidationError(
            _("This field is required."), hint=_("Fill it in, then try again."),
            code="required", field=field,
        )
    if len(value) > max_length:
        raise ValidationError(
            _("This field is too long ({length} characters; at most {max})."
              ).format(length=len(value), max=max_length),
            hint=_("Shorten it."), code="too_long", field=field,
        )
    if has_control_characters(value):
        raise ValidationError(
            _("This field contains invisible control characters."),
            hint=_("Type the text again instead of pasting it."), code="control_characters", field=field,
        )
    return value


def clean_first_name(value: str | None) -> str:
    return _clean_name(value, "first_name", _("Enter your first name."))


def clean_last_name(value: str | None) -> str:
    return _clean_name(value, "last_name", _("Enter your last name."))


def _clean_name(value: str | None, field: str, missing: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise ValidationError(missing, hint=_("Write it as on your identity card."), code="required", field=field)
    if len(value) > NAME_MAX:
        raise ValidationError(
            _("This name is too long ({length} characters; at most {max})."
              ).format(length=len(value), max=NAME_MAX),
            hint=_("Write it as on your identity card; shorten it if needed."), code="too_long", field=field,
        )
    value = unicodedata.normalize("NFC", value)
    if not _NAME.match(value):
        raise ValidationError(
            _("A name may only contain letters, spaces, hyphens, apostrophes and dots."),
            hint=_("Write it as on your identity card."), code="invalid_name", field=field,
        )
    return value


def clean_username(value: str | None, *, minimum: int = USERNAME_MIN) -> str:
    """A username: lowercase letters, digits, dots, hyphens and underscores."""
    value = (value or "").strip().lower()
    field = "username"
    if not value:
        raise ValidationError(
            _("Choose a username."), hint=_("Use at least 6 letters or digits."), code="required", field=field,
        )
    if len(value) < minimum:
        raise ValidationError(
            _("This username is too short ({length} characters).").format(length=len(value)),
            hint=_("Use at least 6 letters or digits."), code="username_too_short", field=field,
        )
    if len(value) > USERNAME_MAX:
        raise ValidationError(
            _("This username is too long ({length} characters; at most {max})."
              ).format(length=len(value), max=USERNAME_MAX),
            hint=_("Choose a shorter username."), code="too_long", field=field,
        )
    if not USERNAME_PATTERN.match(value):
        raise ValidationError(
            _("A username may only contain letters without accents, digits, dots, hyphens and underscores."),
            hint=_("Start with a letter or a digit, e.g. anne.peeters."), code="invalid_username", field=field,
        )
    return value


def clean_email(value: str | None, *, field: str = "email") -> str:
    """An e-mail address, lowercased; refuses what mail servers would refuse."""
    value = (value or "").strip().lower()
    if not value:
        raise ValidationError(
            _("Enter your e-mail address."), hint=_("For example anne.peeters@example.be."),
            code="required", field=field,
        )
    if len(value) > EMAIL_MAX:
        raise ValidationError(
            _("This e-mail address is too long ({length} characters; at most {max})."
              ).format(length=len(value), max=EMAIL_MAX),
            hint=_("Check the address."), code="too_long", field=field,
        )
    local, at, domain = value.rpartition("@")
    labels = domain.split(".")
    valid = (
        bool(at) and 0 < len(local) <= 64 and _EMAIL_LOCAL.match(local) is not None
        and len(labels) >= 2 and all(_DOMAIN_LABEL.match(label) for label in labels)
        and re.fullmatch(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}", labels[-1]) is not None
    )
    if not valid:
        raise ValidationError(
            _("This is not a valid e-mail address."),
            hint=_("Check the address: it looks like name@example.be, without spaces."),
            code="invalid_email", field=field,
        )
    return value


def is_role_address(email: str) -> bool:
    """True for shared mailboxes such as info@ or vente@ (a warning, never a refusal)."""
    local = email.strip().lower().split("@", 1)[0]
    return local in ROLE_LOCAL_PARTS


def role_address_warning(email: str) -> str:
    """The warning shown for a shared mailbox, or an empty text."""
    try:
        cleaned = clean_email(email)
    except ValidationError:
        return ""
    if not is_role_address(cleaned):
        return ""
    return _("This looks like a shared address ({local}@). A personal address is better: "
             "codes and notices about your account are sent there.").format(local=cleaned.split("@")[0])
