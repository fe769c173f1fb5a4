""""Mot de passe oublié ?": a reset code by mail, then a new password with that code.

The answers never tell whether an address belongs to an account: asking always answers
"if an account uses this address, a code is on its way", and for an unknown address the
code step answers like a wrong code (attempts are counted the same way, and it costs the
same Argon2id computation). Requests are limited per source (20 an hour) and per
address (5 an hour, silently). A successful reset ends every session, lifts a
brute-force wait, activates a pending account (the mail proves the address), and the
owner is notified.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from immo_connect.accounts import codes, ratelimit, sessions
from immo_connect.accounts.login import LOCK_THRESHOLD
from immo_connect.accounts.models import Account, LegacyCredential
from immo_connect.accounts.passwords import check_password
from immo_connect.accounts.validation import clean_email
from immo_connect.storage import on_commit, transaction

if TYPE_CHECKING:
    from immo_connect.accounts.service import AccountService

SOURCE_LIMIT = 20
ADDRESS_LIMIT = 5
ATTEMPT_LIMIT = 30  # code attempts per source and hour, on top of 5 per code
WINDOW = dt.timedelta(hours=1)
RESETTABLE = ("active", "pending")


def request_reset(svc: AccountService, email: str) -> None:
    address = clean_email(email)
    now = svc.now()
    source_subject = ratelimit.subject(svc.secret_key, "reset-source", svc.source)
    address_subject = ratelimit.subject(svc.secret_key, "reset-address", address)
    ratelimit.ensure_below("reset-source", source_subject, limit=SOURCE_LIMIT, window=WINDOW, now=now)
    with transaction():
        within_address_limit = ratelimit.count("reset-address", address_subject, now - WINDOW) < ADDRESS_LIMIT
        ratelimit.hit("reset-source", source_subject, now)
        ratelimit.hit("reset-address", address_subject, now)
        account: Account | None = Account.get_or_none((Account.email == address) & Account.status.in_(RESETTABLE))
        sent = False
        if account is not None and within_address_limit:
            try:
                svc.send_code(account, "password_reset", address, now=now)
            except codes.CodeRefused:
                pass  # cooldown or daily cap: same answer, no mail
            else:
                sent = True
        svc.audit("account.password_reset_requested", account=account,
                  target=None if account is not None else "", detail={"known": account is not None, "sent": sent})


def _unknown_address_attempt(svc: AccountService, address: str, now: dt.datetime) -> codes.CodeRefused:
    """The refusal a wrong code would get, counted the same way, for an address without account."""
    address_subject = ratelimit.subject(svc.secret_key, "reset-address", address)
    attempt_subject = ratelimit.subject(svc.secret_key, "reset-unknown", address)
    with transaction():
        requested = ratelimit.count("reset-address", address_subject, now - codes.LIFETIME) > 0
        ratelimit.hit("reset-unknown", attempt_subject, now)
        tried = ratelimit.count("reset-unknown", attempt_subject, now - codes.LIFETIME)
        svc.audit("account.password_reset", target="", outcome="refused", detail={"reason": "unknown"})
    if not requested:
        return codes.no_valid_code()
    left = codes.MAX_ATTEMPTS - tried
    return codes.too_many_attempts() if left <= 0 else codes.wrong_code(left)


def reset_password(svc: AccountService, email: str, code: str, password: str, confirmation: str) -> None:
    address = clean_email(email)
    entered = codes.normalise(code)
    check_password(password, confirmation)
    now = svc.now()
    attempt_subject = ratelimit.subject(svc.secret_key, "reset-attempt", svc.source)
    ratelimit.ensure_below("reset-attempt", attempt_subject, limit=ATTEMPT_LIMIT, window=WINDOW, now=now)
    with transaction():
        ratelimit.hit("reset-attempt", attempt_subject, now)
    account: Account | None = Account.get_or_none((Account.email == address) & Account.status.in_(RESETTABLE))
    if account is None:
        svc.hasher.burn(password)
        raise _unknown_address_attempt(svc, address, now)
    check_password(password, confirmation, context=(account.first_name, account.last_name, account.username, address))
    new_hash = svc.hasher.hash(password)
    activated: Account | None = None
    with transaction():
        result = codes.attempt(int(account.id), "password_reset", entered, secret_key=svc.secret_key, now=now)
        if not result.ok:
            svc.audit("account.password_reset", account=account, outcome="refused",
                      detail={"reason": result.error.code if result.error else "unknown"})
        else:
            fresh: Account = Account.get_by_id(account.id)
            if int(fresh.failed_sign_ins) >= LOCK_THRESHOLD or fresh.locked_until is not None:
                svc.audit("account.unlocked", account=fresh, detail={"by": "password_reset"})
            fresh.password_hash = new_hash
            fresh.password_changed_at = now
            fresh.failed_sign_ins = 0
            fresh.locked_until = None
            if fresh.status == "pending":
                fresh.status = "active"
                fresh.activated_at = now
                activated = fresh
                svc.audit("account.activated", account=fresh, detail={"by": "password_reset"})
            fresh.save()
            LegacyCredential.delete().where(LegacyCredential.account == fresh.id).execute()
            ended = sessions.end_all(int(fresh.id), now=now, reason="password_reset")
            svc.platform.sso.end_all(int(fresh.id), reason="password_reset")  # the web tools' sign-ins too
            svc.audit("account.password_reset", account=fresh, detail={"sessions_ended": ended})
            svc.mail(fresh, "password_changed_notice", f"password-changed:{fresh.id}:{result.code.id if result.code else 0}",
                     changed_at=now.strftime("%Y-%m-%d %H:%M"))
    result.raise_if_refused()
    if activated is not None:
        on_commit(lambda: svc.platform.plugins.account_activated(activated))
