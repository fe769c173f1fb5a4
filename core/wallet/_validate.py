"""Input checks for the wallet API: each names the problem and the fix, and changes nothing."""

from __future__ import annotations

import re

from immo_connect import formatting
from immo_connect.errors import ValidationError
from immo_connect.i18n import N_, _
from immo_connect.wallet.models import MAX_AMOUNT_CENTS

_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_TOOL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,99}")
# Unicode category Cc (control characters) is exactly these two ranges.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def amount(value: object, *, field: str = "amount_cents") -> int:
    """A positive whole number of cents."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            _("The amount must be a whole number of euro cents, not {value!r}.").format(value=value),
            hint=_("Give the amount in cents as an integer, e.g. 1250 for {amount}.").format(amount=formatting.money(1250)),
            field=field, code="amount_not_integer",
        )
    if value <= 0:
        raise ValidationError(
            _("The amount must be more than zero (got {value} cents).").format(value=value),
            hint=_("Give a positive amount; the kind of movement says which way the money goes."),
            field=field, code="amount_not_positive",
        )
    if value > MAX_AMOUNT_CENTS:
        raise ValidationError(
            _("The amount is too large for one wallet movement."),
            hint=_("Split it, or check the amount is in cents, not in a smaller unit."),
            field=field, code="amount_too_large",
        )
    return value


def description(value: object, *, field: str = "description") -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError(
            _("The description of the transaction is missing."),
            hint=_("Say in a few words what the money is for; it appears in the wallet's history."),
            field=field, code="description_missing",
        )
    if len(text) > 500:
        raise ValidationError(
            _("The description is too long ({count} characters; at most 500).").format(count=len(text)),
            hint=_("Shorten the description."), field=field, code="description_too_long",
        )
    if _CONTROL.search(text):
        raise ValidationError(
            _("The description contains control characters (such as line breaks)."),
            hint=_("Write the description on one line."), field=field, code="description_characters",
        )
    return text


def idempotency_key(value: object, *, field: str = "idempotency_key") -> str:
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        raise ValidationError(
            _("The idempotency key must be 1 to 255 visible ASCII characters without spaces."),
            hint=_("Generate one key per request (e.g. the tool name and its own request id) "
                   "and reuse it when retrying the same request."),
            field=field, code="idempotency_key_invalid",
        )
    return value


def _name(value: object, field: str, code: str, message: str, hint: str) -> str:
    """``value`` when it is a registered name; the texts are translated only on refusal."""
    if not isinstance(value, str) or not _TOOL.fullmatch(value):
        raise ValidationError(_(message), hint=_(hint), field=field, code=code)
    return value


def tool(value: object, *, field: str = "tool") -> str:
    return _name(value, field, "tool_invalid",
                 N_("The tool name must be the registered name of the tool (letters, digits, - _ . :)."),
                 N_("Pass the name under which the tool plugin registered its tool."))


def usage_mode(value: object, *, field: str = "usage_mode") -> str:
    return _name(value, field, "usage_mode_invalid",
                 N_("The usage mode must be the id of one of the tool's usage modes (letters, digits, - _ . :)."),
                 N_("Pass the mode the tool runs under (its context's mode), or leave it out."))


def reference(value: object, *, field: str = "reference") -> str:
    if not isinstance(value, str) or len(value) > 200 or _CONTROL.search(value):
        raise ValidationError(
            _("The reference must be text on one line of at most 200 characters."),
            hint=_("Pass the payment provider's or the bank's reference as it is."),
            field=field, code="reference_invalid",
        )
    return value.strip()


def organisation_id(value: object, *, field: str = "organisation_id") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(
            _("The organisation is not given correctly ({value!r}).").format(value=value),
            hint=_("Pass the organisation's numeric id."), field=field, code="organisation_invalid",
        )
    return value
