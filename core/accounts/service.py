"""``platform.accounts``: the one entry point of the accounts area.

The methods are thin: each flow lives in its own module (registration, login, activation,
recovery, account, profile, legacy, admin). This class holds what they share: the clock,
the platform key, the password hasher, session limits, audit and mail helpers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from immo_connect import audit
from immo_connect.accounts import codes, sessions
from immo_connect.accounts.models import Account
from immo_connect.accounts.passwords import ASVS_MINIMUM, Argon2Parameters, PasswordHasher
from immo_connect.accounts.required import SignedIn
from immo_connect.errors import PermissionDenied
from immo_connect.i18n import _
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.accounts.legacy import ImportReport
    from immo_connect.accounts.photo import CropBox
    from immo_connect.accounts.profile import ProfileUpdate, ProfileView
    from immo_connect.accounts.registration import Registration
    from immo_connect.platform import Platform


class AccountService:
    def __init__(self, platform: Platform, *, password_parameters: Argon2Parameters = ASVS_MINIMUM) -> None:
        self.platform = platform
        self.hasher = PasswordHasher(password_parameters)

    # -- shared helpers ----------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.platform.clock.now()

    @property
    def secret_key(self) -> bytes:
        return self.platform.settings.secret_key

    @property
    def source(self) -> str:
        return self.platform.source

    @property
    def limits(self) -> sessions.Limits:
        return sessions.Limits.from_settings(self.platform.settings.security)

    def audit(
        self, action: str, *, account: Account | None = None, target: str | None = None,
        outcome: audit.Outcome = "success", detail: Mapping[str, Any] | None = None,
        actor: Account | None = None,
    ) -> None:
        """Record an event (inside the caller's transaction); ``account`` is actor and target."""
        who = actor or account
        audit.record(
            action, actor_id=int(who.id) if who is not None else None,
            actor=str(who.username) if who is not None else ("operator" if self.source == "cli" else "anonymous"),
            target=target if target is not None else (str(account.username) if account is not None else ""),
            outcome=outcome, source=self.source, detail=detail, at=self.now(),
        )

    def mail(self, account: Account, template: str, key: str, *, to: str | None = None, **context: object) -> None:
        """Queue a mail to the account (or ``to``) inside the caller's transaction."""
        from immo_connect.mail import enqueue

        address = to or account.email
        if not address:
            return
        values: dict[str, object] = {
            "first_name": account.first_name, "last_name": account.last_name,
            "username": account.username, **context,
        }
        enqueue(to=str(address), template=template, context=values, key=key, language=str(account.language))

    def send_code(
        self, account: Account, purpose: str, address: str, *, now: dt.datetime, **context: object,
    ) -> None:
        """Issue a one-time code for ``purpose`` and queue its mail to ``address`` (template
        ``<purpose>_code``), inside the caller's transaction; the previous code stops working."""
        row, plain = codes.issue(account, purpose, address, secret_key=self.secret_key, now=now)
        self.mail(
            account, f"{purpose}_code", f"{purpose.replace('_', '-')}:{account.id}:{row.id}", to=address,
            code=plain, hours=int(codes.LIFETIME.total_seconds() // 3600), **context,
        )

    def reload(self, actor: Account | int) -> Account:
        """The actor as stored now; refused (and audited) unless the account is active."""
        account_id = actor if isinstance(actor, int) else int(actor.id)
        account: Account | None = Account.get_or_none(Account.id == account_id)
        if account is None or account.status != "active":
            with transaction():
                audit.record(
                    "account.action_refused", actor_id=account_id, actor=str(account.username) if account else "unknown",
                    outcome="refused", source=self.source, detail={"status": account.status if account else "missing"},
                    at=self.now(),
                )
            raise PermissionDenied(
                _("This account cannot do this: it is not active."),
                hint=_("Sign in again; if the problem remains, contact support."), code="account_inactive",
            )
        return account

    # -- sessions ------------------------------------------------------------------------------

    def _resolve(self, token: str | None, *, allow_restricted: bool = False) -> Account:
        now = self.now()
        try:
            with transaction():
                _session, account = sessions.resolve(
                    token, limits=self.limits, now=now, allow_restricted=allow_restricted)
        except sessions.SessionEnded as error:
            if error.stale_session is not None:
                with transaction():
                    sessions.mark_ended(error.stale_session[0], now=now, reason=error.stale_session[1])
            raise
        return account

    def current(self, token: str | None) -> Account:
        """The account of a live, unrestricted session (validates and touches it)."""
        return self._resolve(token)

    def touch(self, token: str | None) -> Account:
        """Validate and touch a session, restricted or not.

        Front ends call it before every request of a signed-in user, so the idle and absolute
        limits (and sign-out, blocking, password changes elsewhere) apply to every screen.
        """
        return self._resolve(token, allow_restricted=True)

    def session_info(self, token: str | None) -> SignedIn:
        """What a front end shows for a session (also restricted ones)."""
        from immo_connect.accounts.required import signed_in

        return signed_in(self._resolve(token, allow_restricted=True), str(token))

    def sign_out(self, token: str | None) -> None:
        if not token:
            return
        with transaction():
            if sessions.end(token, now=self.now(), reason="signed_out"):
                row = sessions.find(token)
                if row is not None:
                    self.audit("auth.sign_out", account=row.account)

    def sign_in(self, identifier: str, password: str) -> SignedIn:
        from immo_connect.accounts import login

        return login.sign_in(self, identifier, password)

    # -- registration and activation -------------------------------------------------------

    def propose_username(self, first_name: str, last_name: str) -> str:
        from immo_connect.accounts import registration

        return registration.propose_username(first_name, last_name)

    def register(self, form: Registration) -> SignedIn:
        from immo_connect.accounts import registration

        return registration.register(self, form)

    def activate(self, token: str, code: str) -> SignedIn:
        from immo_connect.accounts import activation

        return activation.activate(self, token, code)

    def resend_activation(self, token: str) -> str:
        from immo_connect.accounts import activation

        return activation.resend(self, token)

    def add_missing_email(self, token: str, email: str) -> str:
        from immo_connect.accounts import activation

        return activation.add_missing_email(self, token, email)

    # -- recovery ----------------------------------------------------------------------------

    def request_password_reset(self, email: str) -> None:
        from immo_connect.accounts import recovery

        recovery.request_reset(self, email)

    def reset_password(self, email: str, code: str, password: str, confirmation: str) -> None:
        from immo_connect.accounts import recovery

        recovery.reset_password(self, email, code, password, confirmation)

    # -- own account -------------------------------------------------------------------------

    def change_password(
        self, actor: Account, current_password: str, new_password: str, confirmation: str,
        *, keep_token: str | None = None,
    ) -> int:
        from immo_connect.accounts import account

        return account.change_password(self, actor, current_password, new_password, confirmation, keep_token=keep_token)

    def sign_out_everywhere(self, actor: Account, *, keep_token: str | None = None) -> tuple[int, int]:
        """End the other terminal sessions and every tool's sign-in; (sessions, tool sign-ins) ended."""
        from immo_connect.accounts import account

        return account.sign_out_everywhere(self, actor, keep_token=keep_token)

    def request_email_change(self, actor: Account, new_email: str, current_password: str) -> str:
        from immo_connect.accounts import account

        return account.request_email_change(self, actor, new_email, current_password)

    def confirm_email_change(self, actor: Account, code: str) -> str:
        from immo_connect.accounts import account

        return account.confirm_email_change(self, actor, code)

    def pending_email_change(self, actor: Account) -> str | None:
        from immo_connect.accounts import account

        return account.pending_email_change(self, actor)

    # -- profile -----------------------------------------------------------------------------

    def profile(self, actor: Account) -> ProfileView:
        from immo_connect.accounts import profile

        return profile.get_profile(self, actor)

    def choose_language(self, token: str | None, language: str) -> str:
        """Store the language a person chose (any screen, even before a required step is done).

        Their screens, mails and documents follow it from now on, at every sign-in.
        """
        from immo_connect.accounts import profile

        return profile.choose_language(self, self._resolve(token, allow_restricted=True), language)

    def save_profile(self, actor: Account, update: ProfileUpdate) -> ProfileView:
        from immo_connect.accounts import profile

        return profile.save_profile(self, actor, update)

    def read_photo_file(self, actor: Account, typed: str) -> bytes:
        """The bytes of the image file ``actor`` typed: over SSH only from their upload folder."""
        from immo_connect import uploads
        from immo_connect.accounts import photo

        return uploads.read_user_file(self.platform, actor, typed, max_bytes=photo.MAX_FILE_BYTES,
                                      purpose="photo", field="photo")

    def uploaded_files(self, actor: Account) -> list[str]:
        """The files ``actor`` put in their upload folder (what a session over SSH may read)."""
        from immo_connect import uploads

        return uploads.uploaded_files(self.platform.settings, int(actor.id))

    def prepare_photo(self, actor: Account, source: bytes | str, crop: CropBox | None = None) -> bytes:
        """Crop and resize an image (bytes, or a file read as :meth:`read_photo_file` allows)."""
        from immo_connect.accounts import photo

        data = source if isinstance(source, bytes) else self.read_photo_file(actor, source)
        return photo.prepare(data, crop)

    # -- operators and imports ---------------------------------------------------------------

    def import_legacy(self, path: str | Path, tool: str) -> ImportReport:
        from immo_connect.accounts import legacy

        return legacy.import_csv(self, Path(path), tool)

    def unlock(self, username: str) -> None:
        from immo_connect.accounts import admin

        admin.unlock(self, username)

    def block(self, username: str) -> int:
        from immo_connect.accounts import admin

        return admin.set_status(self, username, "blocked")

    def unblock(self, username: str) -> int:
        from immo_connect.accounts import admin

        return admin.set_status(self, username, "active")

    def delete(self, username: str) -> int:
        from immo_connect.accounts import admin

        return admin.set_status(self, username, "deleted")
