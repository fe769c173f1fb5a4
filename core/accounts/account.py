""""Mon compte" (manual 2.1.2): change the password, change the e-mail address in two steps.

Both require the current password (a full re-authentication, ASVS 5.0 7.5.1); wrong
current passwords are limited to 5 per 15 minutes per account. A new password ends every
other session and the owner is notified; a new address receives a code and becomes the
account's address only when that code is entered, after which the old address is told.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from immo_connect.accounts import codes, legacy_hashes, ratelimit, sessions
from immo_connect.accounts.models import Account, LegacyCredential
from immo_connect.accounts.passwords import check_password
from immo_connect.accounts.registration import check_conflict_budget, refuse_taken_email
from immo_connect.accounts.required import mask_email
from immo_connect.accounts.validation import clean_email
from immo_connect.errors import ConflictError, ValidationError
from immo_connect.i18n import _
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.accounts.service import AccountService

REAUTH_LIMIT = 5
REAUTH_WINDOW = dt.timedelta(minutes=15)


def verify_current_password(svc: AccountService, account: Account, password: str, *, action: str) -> None:
    """Re-authentication before a sensitive change; refusals are counted and audited."""
    if not password:
        raise ValidationError(
            _("Enter your current password."), hint=_("It confirms that you are making this change."),
            code="required", field="current_password",
        )
    subject = ratelimit.subject(svc.secret_key, "reauth", str(account.id))
    ratelimit.ensure_below("reauth", subject, limit=REAUTH_LIMIT, window=REAUTH_WINDOW, now=svc.now())
    if account.password_hash:
        ok = svc.hasher.verify(str(account.password_hash), password).ok
    else:
        rows = LegacyCredential.select().where(LegacyCredential.account == account.id)
        ok = any(legacy_hashes.verify(str(row.password_hash), password) for row in rows)
    if not ok:
        with transaction():
            ratelimit.hit("reauth", subject, svc.now())
            svc.audit(action, account=account, outcome="refused", detail={"reason": "current_password"})
        raise ValidationError(
            _("Your current password is not correct."),
            hint=_("Type the password you use to sign in now."), code="current_password_wrong",
            field="current_password",
        )


def change_password(
    svc: AccountService, actor: Account, current_password: str, new_password: str, confirmation: str,
    *, keep_token: str | None = None,
) -> int:
    """Set a new password; returns how many other sessions were ended."""
    account = svc.reload(actor)
    check_password(
        new_password, confirmation,
        context=(account.first_name, account.last_name, account.username, account.email or ""),
    )
    if new_password == current_password:
        raise ValidationError(
            _("The new password is the same as the current one."),
            hint=_("Choose a different password."), code="password_unchanged", field="password",
        )
    verify_current_password(svc, account, current_password, action="account.password_change")
    new_hash = svc.hasher.hash(new_password)
    now = svc.now()
    with transaction():
        keep = None
        if keep_token:
            row = sessions.find(keep_token, account_id=int(account.id))
            keep = int(row.id) if row is not None else None
        Account.update(password_hash=new_hash, password_changed_at=now).where(Account.id == account.id).execute()
        LegacyCredential.delete().where(LegacyCredential.account == account.id).execute()
        ended = sessions.end_all(int(account.id), now=now, reason="password_changed", keep_session_id=keep)
        svc.platform.sso.end_all(int(account.id), reason="password_changed")  # the web tools' sign-ins too
        svc.audit("account.password_change", account=account, detail={"sessions_ended": ended})
        svc.mail(account, "password_changed_notice", f"password-changed:{account.id}:{now.isoformat()}",
                 changed_at=now.strftime("%Y-%m-%d %H:%M"))
    return ended


def request_email_change(svc: AccountService, actor: Account, new_email: str, current_password: str) -> str:
    """Step 1: send a code to the new address; returns that address masked."""
    account = svc.reload(actor)
    address = clean_email(new_email, field="new_email")
    if address == account.email:
        raise ValidationError(
            _("This is already the address of your account."),
            hint=_("Enter the new address you want to use."), code="email_unchanged", field="new_email",
        )
    verify_current_password(svc, account, current_password, action="account.email_change")
    check_conflict_budget(svc)
    refuse_taken_email(svc, address, field="new_email")
    now = svc.now()
    with transaction():
        svc.send_code(account, "email_change", address, now=now, new_email=address)
        svc.audit("account.email_change_requested", account=account)
    return address


def pending_email_change(svc: AccountService, actor: Account) -> str | None:
    """The new address waiting for its code, if a code is still usable."""
    row = codes.current(int(actor.id), "email_change")
    if row is None or codes.refusal(row, svc.now()) is not None:
        return None
    return str(row.email)


def confirm_email_change(svc: AccountService, actor: Account, code: str) -> str:
    """Step 2: the code from the new address makes it the account's address; returns it."""
    account = svc.reload(actor)
    entered = codes.normalise(code)
    now = svc.now()
    new_address = ""
    with transaction():
        result = codes.attempt(int(account.id), "email_change", entered, secret_key=svc.secret_key, now=now)
        if not result.ok or result.code is None:
            svc.audit("account.email_change", account=account, outcome="refused",
                      detail={"reason": result.error.code if result.error else "unknown"})
        else:
            new_address = str(result.code.email)
            if Account.select().where((Account.email == new_address) & (Account.id != account.id)).exists():
                raise ConflictError(
                    _("This e-mail address was linked to another account in the meantime."),
                    hint=_("Start again with another address."), code="email_taken", field="new_email",
                )
            old_address = account.email
            Account.update(email=new_address).where(Account.id == account.id).execute()
            svc.audit("account.email_change", account=account, detail={"old": mask_email(old_address), "new": mask_email(new_address)})
            if old_address:
                svc.mail(account, "email_changed_notice", f"email-changed:{account.id}:{result.code.id}",
                         to=str(old_address), old_email=str(old_address), new_email=new_address,
                         changed_at=now.strftime("%Y-%m-%d %H:%M"))
    result.raise_if_refused()
    return new_address


def sign_out_everywhere(svc: AccountService, actor: Account, *, keep_token: str | None = None) -> tuple[int, int]:
    """End the person's other terminal sessions and every web tool's sign-in (the tools are told).

    Only the person's own sessions and sign-ins: the actor is reloaded (a blocked account
    cannot act) and nothing of another account is touched. Returns (sessions, tool sign-ins) ended.
    """
    account = svc.reload(actor)
    now = svc.now()
    with transaction():
        keep = None
        if keep_token:
            row = sessions.find(keep_token, account_id=int(account.id))
            keep = int(row.id) if row is not None else None
        ended = sessions.end_all(int(account.id), now=now, reason="signed_out_everywhere", keep_session_id=keep)
        tools = svc.platform.sso.end_all(int(account.id), reason="signed_out_everywhere")
        svc.audit("account.sign_out_everywhere", account=account,
                  detail={"sessions_ended": ended, "tool_sign_ins_ended": tools})
    return ended, tools
