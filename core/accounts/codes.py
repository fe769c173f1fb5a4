"""One-time codes sent by mail: activation, password reset, e-mail change.

Six characters drawn with :mod:`secrets` from an alphabet without look-alikes (no 0/O,
1/I/L), about 30 bits. Only an HMAC keyed with the platform key is stored. A code is
valid 24 hours, once, for at most 5 attempts; asking for a new code replaces the previous
one, at most once per 30 seconds and 10 times a day per account and purpose.

Checking is split so the caller keeps one transaction: :func:`attempt` records the
attempt or marks the code used, the caller commits either way, then raises the error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets

from immo_connect.accounts.models import Account, VerificationCode
from immo_connect.errors import ImmoConnectError, ValidationError
from immo_connect.i18n import _, ngettext

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6
LIFETIME = dt.timedelta(hours=24)
MAX_ATTEMPTS = 5
RESEND_COOLDOWN = dt.timedelta(seconds=30)
DAILY_CAP = 10
PURPOSES = ("activation", "password_reset", "email_change")


class CodeRefused(ImmoConnectError):
    """A code was wrong, expired, used up, or asked for too often."""

    code = "code_refused"


def generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def keyed_hash(secret_key: bytes, account_id: int, purpose: str, code: str) -> str:
    message = f"{purpose}\x1f{account_id}\x1f{code}".encode()
    return hmac.new(secret_key, b"one-time-code\x1f" + message, hashlib.sha256).hexdigest()


def normalise(entered: str | None) -> str:
    """What the person typed, as a code: spaces and dashes removed, upper case."""
    value = "".join((entered or "").split()).replace("-", "").upper()
    if not value:
        raise ValidationError(
            _("Enter the code you received by e-mail."), hint=_("It has 6 letters and digits."),
            code="required", field="code",
        )
    if len(value) != LENGTH or any(ch not in ALPHABET for ch in value):
        raise ValidationError(
            _("A code has exactly 6 letters and digits, e.g. K7M2QX."),
            hint=_("Copy it from the last mail you received."), code="code_malformed", field="code",
        )
    return value


def issue(account: Account, purpose: str, email: str, *, secret_key: bytes, now: dt.datetime) -> tuple[VerificationCode, str]:
    """Create a code (call inside the transaction that mails it); the older one stops working."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown code purpose {purpose!r}")
    recent = list(
        VerificationCode.select()
        .where(
            (VerificationCode.account == account.id) & (VerificationCode.purpose == purpose)
            & (VerificationCode.created_at > now - dt.timedelta(days=1))
        )
        .order_by(VerificationCode.created_at.desc())
    )
    if recent and recent[0].created_at > now - RESEND_COOLDOWN:
        wait = int((recent[0].created_at + RESEND_COOLDOWN - now).total_seconds()) + 1
        raise CodeRefused(
            _("A code was sent a moment ago."),
            hint=_("Wait {seconds} seconds before asking for a new one.").format(seconds=wait),
            code="code_cooldown",
        )
    if len(recent) >= DAILY_CAP:
        raise CodeRefused(
            _("Too many codes were asked for today."),
            hint=_("Use the last code you received, or try again tomorrow."), code="code_daily_cap",
        )
    VerificationCode.update(replaced_at=now).where(
        (VerificationCode.account == account.id) & (VerificationCode.purpose == purpose)
        & VerificationCode.used_at.is_null() & VerificationCode.replaced_at.is_null()
    ).execute()
    plain = generate()
    row: VerificationCode = VerificationCode.create(
        account=account.id, purpose=purpose, code_hash=keyed_hash(secret_key, int(account.id), purpose, plain),
        email=email, created_at=now, expires_at=now + LIFETIME,
    )
    return row, plain


@dataclasses.dataclass
class Attempt:
    code: VerificationCode | None
    error: CodeRefused | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.code is not None

    def raise_if_refused(self) -> None:
        if self.error is not None:
            raise self.error


def current(account_id: int, purpose: str) -> VerificationCode | None:
    """The newest code of ``purpose`` for the account, whatever its state."""
    row: VerificationCode | None = (
        VerificationCode.select()
        .where((VerificationCode.account == account_id) & (VerificationCode.purpose == purpose))
        .order_by(VerificationCode.created_at.desc(), VerificationCode.id.desc())
        .first()
    )
    return row


def refusal(row: VerificationCode, now: dt.datetime) -> CodeRefused | None:
    """Why ``row`` can no longer be entered (used, replaced, expired, attempts spent), or None."""
    if row.used_at is not None or row.replaced_at is not None or row.expires_at <= now:
        return no_valid_code()
    if row.attempts >= MAX_ATTEMPTS:
        return too_many_attempts()
    return None


def no_valid_code() -> CodeRefused:
    return CodeRefused(
        _("This code has expired or was already used."),
        hint=_("Ask for a new code; it is valid for 24 hours."), code="code_expired",
    )


def too_many_attempts() -> CodeRefused:
    return CodeRefused(
        _("Too many wrong attempts for this code."),
        hint=_("Ask for a new code; the old one no longer works."), code="code_attempts",
    )


def wrong_code(left: int) -> CodeRefused:
    return CodeRefused(
        ngettext("This code is not correct ({left} attempt left).", "This code is not correct ({left} attempts left).",
                 left).format(left=left),
        hint=_("Check the last mail you received; only the newest code works."), code="code_wrong",
    )


def attempt(account_id: int, purpose: str, entered: str, *, secret_key: bytes, now: dt.datetime) -> Attempt:
    """Check ``entered`` (already normalised) inside the caller's transaction.

    On success the code is marked used (atomically: a concurrent second use finds it used).
    On failure the attempt is counted; the caller commits and then raises ``error``.
    """
    row = current(account_id, purpose)
    if row is None:
        return Attempt(row, no_valid_code())
    error = refusal(row, now)
    if error is not None:
        return Attempt(row, error)
    expected = keyed_hash(secret_key, account_id, purpose, entered)
    if not hmac.compare_digest(expected, str(row.code_hash)):
        VerificationCode.update(attempts=VerificationCode.attempts + 1).where(VerificationCode.id == row.id).execute()
        left = MAX_ATTEMPTS - row.attempts - 1
        return Attempt(row, too_many_attempts() if left <= 0 else wrong_code(left))
    claimed = VerificationCode.update(used_at=now).where(
        (VerificationCode.id == row.id) & VerificationCode.used_at.is_null()
    ).execute()
    if claimed != 1:
        return Attempt(row, no_valid_code())
    row.used_at = now
    return Attempt(row)
