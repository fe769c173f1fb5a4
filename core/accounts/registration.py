"""Creating an account (manual 1.2.1) and the two errors of manual 3.1 and 3.2.

The username is proposed from the names; a taken username is refused with free variants,
a known e-mail address is refused with the way to sign in or recover the password. These
two answers reveal that an account exists, so they are rate-limited per source: at most
10 such answers per hour, after which every registration from that source waits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from typing import TYPE_CHECKING

import peewee

from immo_connect.accounts import ratelimit, sessions
from immo_connect.accounts.models import Account, Profile
from immo_connect.accounts.passwords import check_password
from immo_connect.accounts.required import SignedIn, signed_in
from immo_connect.accounts.validation import (
    USERNAME_MAX,
    USERNAME_MIN,
    USERNAME_PATTERN,
    clean_email,
    clean_first_name,
    clean_last_name,
    clean_username,
    is_role_address,
)
from immo_connect.errors import ConflictError, ValidationError
from immo_connect.i18n import LANGUAGES, _
from immo_connect.storage import on_commit, transaction

if TYPE_CHECKING:
    from immo_connect.accounts.service import AccountService

CONFLICT_LIMIT = 10
CONFLICT_WINDOW = dt.timedelta(hours=1)


@dataclasses.dataclass
class Registration:
    first_name: str
    last_name: str
    username: str
    email: str
    password: str
    password_confirmation: str
    accept_terms: bool
    language: str = "fr"


class UsernameTaken(ConflictError):
    code = "username_taken"

    def __init__(self, suggestions: list[str]) -> None:
        hint = (
            _("Choose another one; these are free: {names}.").format(names=", ".join(suggestions))
            if suggestions else _("Choose another one.")
        )
        super().__init__(
            _("This username is already taken. You may already have an account, or someone else uses it."),
            hint=hint, field="username",
        )
        self.suggestions = suggestions


def email_taken(field: str = "email") -> ConflictError:
    return ConflictError(
        _("This e-mail address is already linked to an account."),
        hint=_("Already have an account? Go back to sign in; if you forgot the password, "
               "choose \"Forgot your password?\" and enter this address."),
        code="email_taken", field=field,
    )


def _conflict_subject(svc: AccountService) -> str:
    return ratelimit.subject(svc.secret_key, "conflict", svc.source)


def check_conflict_budget(svc: AccountService) -> None:
    """Refuse before looking anything up when this source saw too many 'already taken' answers."""
    ratelimit.ensure_below(
        "conflict", _conflict_subject(svc), limit=CONFLICT_LIMIT, window=CONFLICT_WINDOW, now=svc.now(),
    )


def spend_conflict_budget(svc: AccountService) -> None:
    with transaction():
        ratelimit.hit("conflict", _conflict_subject(svc), svc.now())
        svc.audit("account.registration_conflict", target="", outcome="refused")


def refuse_taken_email(svc: AccountService, address: str, *, field: str = "email") -> None:
    """Refuse an address another account already has; the answer is counted as a conflict."""
    if Account.select().where(Account.email == address).exists():
        spend_conflict_budget(svc)
        raise email_taken(field)


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text or "")
    return re.sub(r"[^a-z0-9]", "", "".join(ch for ch in folded if not unicodedata.combining(ch)).lower())


def propose_username(first_name: str, last_name: str) -> str:
    """``anne.peeters`` from "Anne" and "Peeters": lowercase ASCII, at least 6 characters."""
    base = ".".join(part for part in (_slug(first_name), _slug(last_name)) if part) or "utilisateur"
    base = base[:USERNAME_MAX]
    while len(base) < USERNAME_MIN:
        base += "1"
    return base


def free_variants(username: str, first_name: str, last_name: str, count: int = 3) -> list[str]:
    """Usernames close to ``username`` (or the names) that nobody uses yet."""
    first, last = _slug(first_name), _slug(last_name)
    stem = username.rstrip("0123456789") or username
    candidates: list[str] = []
    if first and last:
        candidates += [f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{first}-{last}", f"{last}.{first}"]
    candidates += [f"{stem}{n}" for n in range(2, 40)]
    valid = [
        c for c in dict.fromkeys(candidates)
        if c != username and USERNAME_MIN <= len(c) <= USERNAME_MAX and USERNAME_PATTERN.match(c)
    ]
    taken = {str(a.username) for a in Account.select(Account.username).where(Account.username.in_(valid))}
    return [c for c in valid if c not in taken][:count]


def register(svc: AccountService, form: Registration) -> SignedIn:
    """Create a pending account, mail its activation code, return a restricted session."""
    first_name = clean_first_name(form.first_name)
    last_name = clean_last_name(form.last_name)
    username = clean_username(form.username)
    email = clean_email(form.email)
    check_password(form.password, form.password_confirmation, context=(first_name, last_name, username, email))
    if not form.accept_terms:
        raise ValidationError(
            _("Accept the terms of use to create an account."),
            hint=_("Read them, then tick the box."), code="terms_not_accepted", field="accept_terms",
        )
    language = form.language if form.language in LANGUAGES else svc.platform.settings.language
    check_conflict_budget(svc)
    if Account.select().where(Account.username == username).exists():
        spend_conflict_budget(svc)
        raise UsernameTaken(free_variants(username, first_name, last_name))
    refuse_taken_email(svc, email)
    password_hash = svc.hasher.hash(form.password)  # slow: outside the transaction
    now = svc.now()
    terms_version = svc.platform.settings.platform.terms_version
    try:
        with transaction():
            account: Account = Account.create(
                username=username, email=email, first_name=first_name, last_name=last_name,
                status="pending", language=language, created_at=now, password_hash=password_hash,
                password_changed_at=now, terms_version=terms_version, terms_accepted_at=now,
            )
            Profile.create(account=account.id, updated_at=now)
            svc.send_code(account, "activation", email, now=now)
            token = sessions.open_session(account, restricted=True, limits=svc.limits, now=now, source=svc.source)
            svc.audit("account.registered", account=account,
                      detail={"terms_version": terms_version, "role_address": is_role_address(email)})
    except peewee.IntegrityError:
        # Someone took the username or address between the check and the insert.
        spend_conflict_budget(svc)
        if Account.select().where(Account.username == username).exists():
            raise UsernameTaken(free_variants(username, first_name, last_name)) from None
        raise email_taken() from None
    on_commit(lambda: svc.platform.plugins.account_created(account))
    return signed_in(account, token)
