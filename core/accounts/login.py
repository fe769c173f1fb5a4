"""Signing in with a username or an e-mail address, with brute-force protection.

- Per account, escalating waits: from the 5th consecutive failure the account waits
  30 s before the next attempt is checked, doubling at each further failure up to 1 hour.
  The first wait of a series mails the owner; every wait is a lockout in the audit log,
  and the next success (or a password reset, or an operator) is the audited unlock.
  Attempts during a wait are refused without checking the password. With these waits an
  account sees about a dozen checked failures per hour; a hard cap of 100 per hour holds
  whatever the waits are configured to.
- Per source (``platform.source``: the SSH peer, or the local terminal), at most 30
  failures in 15 minutes, whatever the accounts tried.
- The same message, and one Argon2id computation, for an unknown user, a wrong password,
  a waiting account and a blocked one: neither the text nor the timing tells them apart.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import peewee

from immo_connect.accounts import legacy_hashes, sessions
from immo_connect.accounts.models import Account, LegacyCredential, SignInFailure
from immo_connect.accounts.ratelimit import TooManyAttempts
from immo_connect.accounts.required import MANDATORY, SignedIn, required_actions, signed_in
from immo_connect.errors import ImmoConnectError, ValidationError
from immo_connect.i18n import _, lazy_ngettext
from immo_connect.storage import is_postgres, transaction

if TYPE_CHECKING:
    from immo_connect.accounts.service import AccountService

LOCK_THRESHOLD = 5
FIRST_WAIT = dt.timedelta(seconds=30)
MAX_WAIT = dt.timedelta(hours=1)
HOURLY_CAP = 100
SOURCE_LIMIT = 30
SOURCE_WINDOW = dt.timedelta(minutes=15)
IDENTIFIER_MAX = 254
PASSWORD_INPUT_MAX = 1024  # longer inputs are refused before any hashing work


class SignInRefused(ImmoConnectError):
    code = "sign_in_refused"


def refused() -> SignInRefused:
    return SignInRefused(
        _("The username, e-mail address or password is not correct."),
        hint=_("Check both and try again. After several failed attempts the account waits a while "
               "before accepting new ones; \"Forgot your password?\" always works."),
    )


def wait_after(failures: int) -> dt.timedelta | None:
    """How long the account waits after ``failures`` consecutive failures (None: no wait)."""
    if failures < LOCK_THRESHOLD:
        return None
    return min(FIRST_WAIT * (1 << min(failures - LOCK_THRESHOLD, 20)), MAX_WAIT)


def find_account(identifier: str) -> Account | None:
    field = Account.email if "@" in identifier else Account.username
    account: Account | None = Account.get_or_none(field == identifier)
    return account


def _check_password(svc: AccountService, account: Account, password: str) -> tuple[bool, bool]:
    """(matches, needs a new Argon2id hash) for an account that may still hold legacy hashes."""
    if account.password_hash:
        result = svc.hasher.verify(str(account.password_hash), password)
        return result.ok, result.needs_rehash
    legacy = list(LegacyCredential.select().where(LegacyCredential.account == account.id))
    matched = any(legacy_hashes.verify(str(row.password_hash), password) for row in legacy)
    if not matched:
        svc.hasher.burn(password)  # legacy formats are faster: keep the timing alike
    return matched, matched


def sign_in(svc: AccountService, identifier: str, password: str) -> SignedIn:
    identifier = (identifier or "").strip().lower()
    if not identifier:
        raise ValidationError(
            _("Enter your username or e-mail address."), hint=_("Then your password, and sign in."),
            code="required", field="identifier",
        )
    if not password:
        raise ValidationError(
            _("Enter your password."), hint=_("Forgot it? Choose \"Forgot your password?\"."),
            code="required", field="password",
        )
    if len(identifier) > IDENTIFIER_MAX or len(password) > PASSWORD_INPUT_MAX:
        raise ValidationError(
            _("This username or password is far too long."), hint=_("Check what you typed."),
            code="too_long", field="identifier" if len(identifier) > IDENTIFIER_MAX else "password",
        )
    now, source = svc.now(), svc.source
    recent = SignInFailure.select().where(
        (SignInFailure.source == source) & (SignInFailure.at > now - SOURCE_WINDOW)
    ).count()
    if recent >= SOURCE_LIMIT:
        with transaction():
            svc.audit("auth.sign_in", target="", outcome="refused", detail={"reason": "source_limit"})
        raise TooManyAttempts(
            _("Too many failed sign-ins from this connection."),
            hint=_("Wait {minutes} minutes, then try again.").format(minutes=int(SOURCE_WINDOW.total_seconds() // 60)),
        )

    account = find_account(identifier)
    if account is None or account.status in ("blocked", "deleted"):
        svc.hasher.burn(password)
        _record_failure(svc, account, now, checked=False, reason="unknown" if account is None else account.status)
        raise refused()
    if account.locked_until is not None and account.locked_until > now:
        svc.hasher.burn(password)
        _record_failure(svc, account, now, checked=False, reason="waiting")
        raise refused()
    ok, rehash = _check_password(svc, account, password)
    if not ok:
        _record_failure(svc, account, now, checked=True, reason="password")
        raise refused()
    new_hash = svc.hasher.hash(password) if rehash else None
    return _succeed(svc, account, new_hash, now)


def _record_failure(svc: AccountService, account: Account | None, now: dt.datetime, *, checked: bool, reason: str) -> None:
    with transaction():
        SignInFailure.create(account=account.id if account else None, source=svc.source, at=now, checked=checked)
        if account is None or not checked:
            svc.audit(
                "auth.sign_in", account=account, target="" if account is None else None,
                outcome="refused", detail={"reason": reason},
            )
            return
        query = Account.select().where(Account.id == account.id)
        fresh: Account = (query.for_update() if is_postgres() else query).get()
        failures = int(fresh.failed_sign_ins) + 1
        wait = wait_after(failures)
        hourly = SignInFailure.select().where(
            (SignInFailure.account == fresh.id) & SignInFailure.checked
            & (SignInFailure.at > now - dt.timedelta(hours=1))
        ).count()
        if hourly >= HOURLY_CAP:
            wait = max(wait or dt.timedelta(0), dt.timedelta(hours=1))
        fresh.failed_sign_ins = failures
        if wait is not None:
            fresh.locked_until = now + wait
        fresh.save(only=[Account.failed_sign_ins, Account.locked_until])
        svc.audit("auth.sign_in", account=fresh, outcome="refused", detail={"reason": reason, "failures": failures})
        if wait is not None:
            seconds = int(wait.total_seconds())
            svc.audit("account.locked", account=fresh, actor=None, detail={"failures": failures, "wait_seconds": seconds})
            if failures == LOCK_THRESHOLD:
                svc.mail(
                    fresh, "account_locked", f"account-locked:{fresh.id}:{now.isoformat()}",
                    failures=failures, wait=lazy_ngettext("{count} minute", "{count} minutes", max(1, seconds // 60)),
                )


def _succeed(svc: AccountService, account: Account, new_hash: str | None, now: dt.datetime) -> SignedIn:
    """Clear the failure count, store a new hash if any, open the session: one transaction.

    ``account`` is the row read before the (slow) password check; the UPDATE re-checks the
    status, so an account blocked meanwhile is refused.
    """
    changes: dict[peewee.Field, object] = {
        Account.failed_sign_ins: 0, Account.locked_until: None, Account.last_sign_in_at: now,
    }
    migrated = new_hash is not None and account.password_hash is None
    if new_hash is not None:
        changes[Account.password_hash] = new_hash
        if migrated:
            changes[Account.password_changed_at] = now
    with transaction():
        updated = Account.update(changes).where(
            (Account.id == account.id) & Account.status.not_in(("blocked", "deleted"))
        ).execute()
        if not updated:  # blocked while the hash was computed
            raise refused()
        if int(account.failed_sign_ins) >= LOCK_THRESHOLD:
            svc.audit("account.unlocked", account=account, detail={"by": "sign_in"})
        if new_hash is not None:
            if migrated:
                LegacyCredential.delete().where(LegacyCredential.account == account.id).execute()
            svc.audit("account.password_rehashed", account=account, detail={"from": "legacy" if migrated else "argon2id"})
        restricted = any(action in MANDATORY for action in required_actions(account))
        token = sessions.open_session(account, restricted=restricted, limits=svc.limits, now=now, source=svc.source)
        svc.audit("auth.sign_in", account=account, detail={"method": "password", "restricted": restricted})
    pending = None
    if not account.email:
        from immo_connect.accounts.codes import current

        code = current(int(account.id), "activation")
        pending = str(code.email) if code is not None and code.used_at is None else None
    return signed_in(account, token, pending_email=pending)
