"""Activating an account with the code sent by mail, and adding a missing e-mail address.

Both run on the restricted session that signing in (or registering) returns; once done,
that session is replaced by a new one (a new token whenever the privileges change).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from immo_connect.accounts import codes, sessions
from immo_connect.accounts.models import Account
from immo_connect.accounts.registration import check_conflict_budget, refuse_taken_email
from immo_connect.accounts.required import MANDATORY, SignedIn, mask_email, required_actions, signed_in
from immo_connect.accounts.validation import clean_email
from immo_connect.errors import ConflictError, ValidationError
from immo_connect.i18n import _
from immo_connect.storage import on_commit, transaction

if TYPE_CHECKING:
    from immo_connect.accounts.service import AccountService


def _nothing_to_activate() -> ValidationError:
    return ValidationError(
        _("This account is already active."), hint=_("Continue to the home screen."), code="already_active",
    )


def pending_email(account: Account) -> str | None:
    """The address waiting for its activation code (the account's own, or a new one)."""
    if account.email:
        return str(account.email)
    row = codes.current(int(account.id), "activation")
    return str(row.email) if row is not None and row.used_at is None else None


def activate(svc: AccountService, token: str, code: str) -> SignedIn:
    entered = codes.normalise(code)
    now = svc.now()
    was_pending, new_token = False, ""
    with transaction():
        _session, account = sessions.resolve(token, limits=svc.limits, now=now, allow_restricted=True)
        if not any(action in MANDATORY for action in required_actions(account)):
            raise _nothing_to_activate()
        result = codes.attempt(int(account.id), "activation", entered, secret_key=svc.secret_key, now=now)
        if not result.ok or result.code is None:
            svc.audit("account.activation", account=account, outcome="refused",
                      detail={"reason": result.error.code if result.error else "unknown"})
        else:
            email = str(result.code.email)
            added = account.email is None
            if added:
                if Account.select().where((Account.email == email) & (Account.id != account.id)).exists():
                    raise ConflictError(
                        _("This e-mail address was linked to another account in the meantime."),
                        hint=_("Enter another address."), code="email_taken", field="email",
                    )
                account.email = email
            elif account.email != email:
                raise codes.no_valid_code()
            was_pending = account.status == "pending"
            if was_pending:
                account.status = "active"
                account.activated_at = now
            account.save(only=[Account.email, Account.status, Account.activated_at])
            sessions.end(token, now=now, reason="upgraded")
            restricted = any(action in MANDATORY for action in required_actions(account))
            new_token = sessions.open_session(account, restricted=restricted, limits=svc.limits, now=now, source=svc.source)
            svc.audit("account.email_added" if added else "account.activated", account=account)
    result.raise_if_refused()
    if was_pending:
        on_commit(lambda: svc.platform.plugins.account_activated(account))
    return signed_in(account, new_token)


def resend(svc: AccountService, token: str) -> str:
    """Send a new activation code (the previous one stops working); the masked address."""
    now = svc.now()
    with transaction():
        _session, account = sessions.resolve(token, limits=svc.limits, now=now, allow_restricted=True)
        if not any(action in MANDATORY for action in required_actions(account)):
            raise _nothing_to_activate()
        email = pending_email(account)
        if not email:
            raise ValidationError(
                _("Enter your e-mail address first."), hint=_("The activation code is sent to it."),
                code="email_missing", field="email",
            )
        svc.send_code(account, "activation", email, now=now)
        svc.audit("account.activation_code_sent", account=account, detail={"resend": True})
    return mask_email(email)


def add_missing_email(svc: AccountService, token: str, email: str) -> str:
    """Give an imported account its e-mail address; a code is sent there to activate it."""
    address = clean_email(email)
    now = svc.now()
    with transaction():
        _session, account = sessions.resolve(token, limits=svc.limits, now=now, allow_restricted=True)
        if account.email:
            raise ValidationError(
                _("Your account already has an e-mail address."),
                hint=_("Change it later under \"My account\"."), code="email_present", field="email",
            )
    # Outside the transaction: a refusal for a taken address must still be counted.
    check_conflict_budget(svc)
    refuse_taken_email(svc, address)
    with transaction():
        svc.send_code(account, "activation", address, now=now)
        svc.audit("account.activation_code_sent", account=account, detail={"new_address": True})
    return mask_email(address)
