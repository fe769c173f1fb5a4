"""``platform.eid``: verify a card and its holder, then link it to the account.

Two ways in, one verification:

* **here** (:meth:`EidService.link_local`): the card is read through PC/SC, then its
  Authentication key signs a fresh challenge through the eID middleware (PKCS#11);
* **remote** (:meth:`EidService.issue_challenge`, then :meth:`EidService.link_token`): the
  same happens on the user's computer (``immo-connect-eid sign``), which posts or prints a token.

Either way every file, signature and certificate is checked (:mod:`immo_connect.eid.verify`)
before anything is written, and the link is one transaction: the national number
(encrypted, with its keyed hash), the card's names in the profile, the card record, the
challenge marked used and the audit event. Refusals are audited with their reason code; the
national number never appears in the audit log, the logs or a message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import peewee

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.eid import _numbers, pcsc, pkcs11, shortcode, webeid
from immo_connect.eid.card import CardFiles
from immo_connect.eid.errors import (
    AlreadyLinkedElsewhere,
    CardReadFailed,
    CardRemoved,
    ChallengeInvalid,
    ChallengeReplaced,
    CodeUnknown,
    EidError,
    MiddlewareFailed,
    MiddlewareMissing,
    NoCard,
    NoReader,
    OtherCardLinked,
    TokenExpired,
    TokenInvalid,
    TokenReplayed,
    TokenUnknown,
)
from immo_connect.eid.models import EidChallenge, LinkedCard
from immo_connect.eid.remote import NONCE_BYTES, Challenge, Token, authentication_payload, local_time
from immo_connect.eid.verify import VerifiedCard, Verifier, verify_challenge_signature
from immo_connect.errors import ImmoConnectError, PermissionDenied, ValidationError
from immo_connect.extras import ExtraMissing
from immo_connect.i18n import _
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform

log = logging.getLogger("immo_connect.eid")

# Failures of the hardware or the user's computer: "failed"; everything else is a refusal.
_FAILURES = (NoReader, NoCard, CardRemoved, CardReadFailed, MiddlewareMissing, MiddlewareFailed, ExtraMissing)


@dataclasses.dataclass(frozen=True)
class LinkResult:
    account_id: int
    first_names: str
    surname: str
    applet: str
    card_number: str
    card_valid_until: dt.date
    revocation: str  # "good" or "not_checked"
    method: str  # "local" or "remote"
    recognitions_found: int | None  # None when recognitions were not fetched


@dataclasses.dataclass(frozen=True)
class IssuedChallenge:
    text: str  # the long challenge (``IC1-…``), fetched by the signer with the code
    expires_at: dt.datetime  # naive UTC
    server_id: str
    id: int = 0
    code: str = ""  # the short code, canonical (``shortcode.normalise``)
    web_address: str = ""  # where ``immo-connect web`` serves this platform

    @property
    def shown_code(self) -> str:
        return shortcode.grouped(self.code)

    @property
    def command(self) -> str:
        return f"immo-connect-eid sign --platform {self.web_address} {self.shown_code}"

    @property
    def web_link(self) -> str:
        """The page where the Web eID browser extension signs this challenge."""
        return f"{self.web_address}/eid/web/{self.shown_code}"

    @property
    def expires_local(self) -> str:
        """The end of validity in Belgian time (HH:MM)."""
        return local_time(self.expires_at)


@dataclasses.dataclass(frozen=True)
class RemoteOutcome:
    """What became of an answer posted to the web address (polled by the remote screen)."""

    result: LinkResult | None  # the link, when it succeeded
    refusal_code: str = ""
    refusal_message: str = ""


@dataclasses.dataclass(frozen=True)
class LinkStatus:
    linked: bool
    linked_at: dt.datetime | None
    first_names: str = ""
    surname: str = ""
    applet: str = ""
    card_valid_until: dt.date | None = None
    revocation: str = ""
    method: str = ""


class EidService:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform
        self._settings = platform.settings.eid

    # -- configuration ---------------------------------------------------------------------

    @cached_property
    def verifier(self) -> Verifier:
        return Verifier.from_settings(self._platform.settings)

    @property
    def module_path(self) -> str:
        return pkcs11.module_path(self._settings.pkcs11_module)

    @property
    def server_id(self) -> str:
        if self._settings.server_id:
            return self._settings.server_id
        website = self._platform.settings.platform.website
        return urlsplit(website).hostname or website or self._platform.settings.platform.name

    def _now(self) -> dt.datetime:
        return self._platform.clock.now()

    # -- reading ---------------------------------------------------------------------------

    def read_card(self) -> CardFiles:
        """The files of the inserted card, unverified (PC/SC)."""
        return pcsc.read_card(self._settings.reader)

    def verify(self, files: CardFiles) -> VerifiedCard:
        return self.verifier.verify(files, self._now())

    # -- status ----------------------------------------------------------------------------

    def status(self, actor: Account | int) -> LinkStatus:
        account = self._load_actor(actor)
        card: LinkedCard | None = LinkedCard.get_or_none(LinkedCard.account == account.id)
        if account.eid_linked_at is None or card is None:
            return LinkStatus(linked=account.eid_linked_at is not None, linked_at=account.eid_linked_at)
        return LinkStatus(
            linked=True, linked_at=account.eid_linked_at, first_names=str(card.first_names),
            surname=str(card.surname), applet=str(card.applet), card_valid_until=card.card_valid_until,
            revocation=str(card.revocation), method=str(card.method),
        )

    @staticmethod
    def needs_link(account: Account) -> bool:
        """Whether the "link the eID" proposal is still due (manual 1.1.2 b)."""
        return account.eid_linked_at is None

    def national_number(self, account: Account | int) -> str:
        """The national register number of a linked account, decrypted (for recognition sources)."""
        account_id = account if isinstance(account, int) else int(account.id)
        current: Account | None = Account.get_or_none(Account.id == account_id)
        if current is None or current.eid_linked_at is None or not current.national_number_encrypted:
            raise ValidationError(
                _("No eID card is linked to this account."),
                hint=_("Link the eID card first."), code="eid_not_linked",
            )
        return _numbers.decrypt_number(self._platform.settings.secret_key, account_id, bytes(current.national_number_encrypted))

    def skip(self, actor: Account | int) -> None:
        """"Ignorer": the proposal is dismissed for this session; nothing else changes."""
        account = self._load_actor(actor)
        with transaction():
            self._audit("eid.link_skipped", account, "success")

    # -- linking here ------------------------------------------------------------------------

    def link_local(self, actor: Account | int, *, pin: str | None) -> LinkResult:
        """Read the card in this computer's reader, authenticate its holder, link it."""
        account = self._load_actor(actor)
        try:
            files = self.read_card()
            card = self.verify(files)
            payload = authentication_payload(self.server_id, secrets.token_bytes(NONCE_BYTES))
            signed = pkcs11.sign_challenge(self.module_path, payload, pin, expected_certificate=files.auth_cert)
            verify_challenge_signature(card.auth_cert, payload, signed.signature)
            return self._link(account, card, method="local")
        except ImmoConnectError as error:
            self._refused(account, error, method="local")
            raise

    # -- linking from another computer ---------------------------------------------------------

    def issue_challenge(self, actor: Account | int) -> IssuedChallenge:
        account = self._load_actor(actor)
        now = self._now()
        expires_at = now + dt.timedelta(minutes=self._settings.challenge_minutes)
        challenge = Challenge(secrets.token_bytes(NONCE_BYTES), expires_at, self.server_id)
        text = challenge.encode()
        code = shortcode.new_code()
        with transaction():
            # Challenges are worth nothing once expired: keep the table small.
            EidChallenge.delete().where(EidChallenge.expires_at < now - dt.timedelta(days=1)).execute()
            # « New challenge » cancels the ones shown before: only the last one can be answered.
            EidChallenge.update(cancelled_at=now).where(
                (EidChallenge.account == account.id) & EidChallenge.used_at.is_null()
                & EidChallenge.cancelled_at.is_null()
            ).execute()
            row = EidChallenge.create(account=account.id, challenge_hash=_hash(text), created_at=now,
                                      expires_at=expires_at, code_hash=_hash(code), challenge_text=text)
            self._audit("eid.challenge_issued", account, "success")
        return IssuedChallenge(text, expires_at, self.server_id, id=int(row.id), code=code,
                               web_address=self._platform.settings.issuer)

    # -- the web address: the signer fetches the challenge by its code and posts the answer -----------

    def _by_code(self, code_text: str) -> EidChallenge:
        code = shortcode.normalise(code_text)
        row: EidChallenge | None = EidChallenge.get_or_none(EidChallenge.code_hash == _hash(code))
        if row is None:
            raise CodeUnknown.make("no challenge with this code")
        return row

    def _usable(self, row: EidChallenge) -> None:
        if row.used_at is not None:
            raise TokenReplayed.make()
        if row.cancelled_at is not None:
            raise ChallengeReplaced.make()
        if self._now() > row.expires_at:
            raise TokenExpired.make()

    def challenge_for_code(self, code_text: str) -> str:
        """The long challenge named by a short code (for the signer), if it can still be answered."""
        row = self._by_code(code_text)
        self._usable(row)
        return str(row.challenge_text)

    def post_answer(self, code_text: str, token_text: str) -> LinkResult:
        """An answer posted by the signer to the challenge's one-time address: link, and record the outcome.

        The account is the one the challenge was issued to; the token must answer exactly
        this challenge. The remote screen shows the outcome (:meth:`remote_outcome`).
        """
        row = self._by_code(code_text)
        return self._answered(row, lambda: self.link_token(int(row.account_id), token_text, expected=row))

    def web_eid_nonce(self, code_text: str) -> str:
        """The ``challengeNonce`` the Web eID page gives the extension, if the challenge can be answered."""
        row = self._by_code(code_text)
        self._usable(row)
        return webeid.nonce_of(Challenge.decode(str(row.challenge_text)).nonce)

    def post_web_eid(self, code_text: str, token_text: str | bytes) -> LinkResult:
        """A Web eID authentication token for the challenge named by ``code_text``: link, record the outcome."""
        row = self._by_code(code_text)
        return self._answered(row, lambda: self._link_web_eid(row, token_text))

    def _answered(self, row: EidChallenge, link: Callable[[], LinkResult]) -> LinkResult:
        try:
            result = link()
        except ImmoConnectError as error:
            with transaction():
                EidChallenge.update(outcome=error.code[:40], outcome_message=_error_words(error)).where(
                    (EidChallenge.id == row.id) & EidChallenge.used_at.is_null()).execute()
            raise
        with transaction():
            EidChallenge.update(outcome="linked", outcome_message="").where(EidChallenge.id == row.id).execute()
        return result

    def _link_web_eid(self, row: EidChallenge, token_text: str | bytes) -> LinkResult:
        """Verify a Web eID token for this challenge (origin, nonce, certificate chain, revocation), then link."""
        account = self._load_actor(int(row.account_id))
        try:
            token = webeid.parse_token(token_text)
            self._usable(row)
            challenge = Challenge.decode(str(row.challenge_text))
            if challenge.server_id != self.server_id:
                raise TokenUnknown.make("challenge of another server id")
            verified = self.verifier.verify_certificate(token.certificate, self._now())
            origin = webeid.origin_of(self._platform.settings.issuer)
            webeid.verify_signature(verified.auth_cert, token, origin, webeid.nonce_of(challenge.nonce))
            return webeid.link_certificate(self, account, verified, challenge=row)
        except ImmoConnectError as error:
            self._refused(account, error, method="webeid")
            raise

    def remote_outcome(self, actor: Account | int, challenge_id: int) -> RemoteOutcome | None:
        """What became of the answer posted for one of the actor's challenges; ``None`` while none came.

        One indexed read: cheap enough for the waiting screen to poll.
        """
        account_id = actor if isinstance(actor, int) else int(actor.id)
        row: EidChallenge | None = EidChallenge.get_or_none(
            (EidChallenge.id == challenge_id) & (EidChallenge.account == account_id))
        if row is None or not row.outcome:
            return None
        if row.outcome != "linked":
            return RemoteOutcome(None, str(row.outcome), str(row.outcome_message or ""))
        card: LinkedCard | None = LinkedCard.get_or_none(LinkedCard.account == account_id)
        if card is None:
            return None
        return RemoteOutcome(LinkResult(
            account_id=account_id, first_names=str(card.first_names), surname=str(card.surname),
            applet=str(card.applet), card_number=str(card.card_number), card_valid_until=card.card_valid_until,
            revocation=str(card.revocation), method=str(card.method), recognitions_found=None,
        ))

    def link_token(self, actor: Account | int, token_text: str, *, expected: EidChallenge | None = None) -> LinkResult:
        """Verify a token from ``immo-connect-eid sign`` exactly as a local read, then link.

        ``expected``: the challenge the answer was posted for; a token for any other is refused.
        """
        account = self._load_actor(actor)
        try:
            token = Token.decode(token_text)
            try:
                challenge = Challenge.decode(token.challenge)
            except ChallengeInvalid as error:
                raise TokenInvalid.make(f"challenge inside the token: {error.detail}") from None
            row: EidChallenge | None = EidChallenge.get_or_none(
                (EidChallenge.challenge_hash == _hash(token.challenge)) & (EidChallenge.account == account.id)
            )
            if row is None or challenge.server_id != self.server_id:
                raise TokenUnknown.make("challenge not issued here for this account")
            if expected is not None and row.id != expected.id:
                raise TokenUnknown.make("answer of another challenge posted to this one")
            self._usable(row)
            card = self.verify(token.files)
            payload = authentication_payload(self.server_id, challenge.nonce)
            verify_challenge_signature(card.auth_cert, payload, token.signature)
            return self._link(account, card, method="remote", challenge=row)
        except ImmoConnectError as error:
            self._refused(account, error, method="remote")
            raise

    # -- the link itself ---------------------------------------------------------------------------

    def _link(self, account: Account, card: VerifiedCard, *, method: str, challenge: EidChallenge | None = None) -> LinkResult:
        def write(account_id: int, now: dt.datetime) -> None:
            self._fill_profile(account_id, card, now)
            self._store_card(account_id, card, method, now)

        found = self.link_number(account, card.identity.national_number, method=method, challenge=challenge,
                                 write=write, detail={"applet": card.applet, "revocation": card.revocation,
                                                      "root": card.anchor.name})
        return LinkResult(
            account_id=int(account.id), first_names=card.identity.first_names, surname=card.identity.surname,
            applet=card.applet, card_number=card.identity.card_number,
            card_valid_until=card.identity.validity_end, revocation=card.revocation, method=method,
            recognitions_found=found,
        )

    def link_number(self, account: Account, number: str, *, method: str, challenge: EidChallenge | None,
                    write: Callable[[int, dt.datetime], None], detail: dict[str, object]) -> int | None:
        """The link itself, in one transaction: the challenge used, the number (hashed and encrypted),
        what ``write`` stores, the audit event. Then the plugins and the recognitions (their count)."""
        key = self._platform.settings.secret_key
        number_hash = _numbers.number_hash(key, number)
        support = self._platform.settings.platform.support_email
        now = self._now()
        try:
            with transaction():
                current: Account = Account.get_by_id(account.id)
                if challenge is not None:
                    # Compare-and-set: of two concurrent uses of one token, one wins.
                    used = EidChallenge.update(used_at=now).where(
                        (EidChallenge.id == challenge.id) & EidChallenge.used_at.is_null()
                    ).execute()
                    if used != 1:
                        raise TokenReplayed.make("challenge used concurrently")
                taken = Account.select().where(
                    (Account.national_number_hash == number_hash) & (Account.id != current.id)
                ).exists()
                if taken:
                    raise AlreadyLinkedElsewhere.make(support)
                if current.national_number_hash and current.national_number_hash != number_hash:
                    raise OtherCardLinked.make(support)
                Account.update(
                    national_number_hash=number_hash,
                    national_number_encrypted=_numbers.encrypt_number(key, int(current.id), number),
                    eid_linked_at=current.eid_linked_at or now,
                ).where(Account.id == current.id).execute()
                write(int(current.id), now)
                self._audit("eid.linked", current, "success", detail={
                    "method": method, **detail, "relinked": current.eid_linked_at is not None,
                })
        except peewee.IntegrityError:
            # The unique index on the number hash caught a concurrent link of the same card.
            raise AlreadyLinkedElsewhere.make(support) from None
        linked: Account = Account.get_by_id(account.id)
        self._platform.plugins.eid_linked(linked)
        found = self._refresh_recognitions(linked)
        log.info("eID linked to account %s (%s, %s)", linked.id, method, detail.get("applet", ""))
        return found

    def _fill_profile(self, account_id: int, card: VerifiedCard, now: dt.datetime) -> None:
        from immo_connect.accounts.profile import apply_eid_identity  # loads PIL: only when linking

        identity = card.identity
        apply_eid_identity(
            account_id, now=now, first_name=identity.first_names[:100], last_name=identity.surname[:100],
            birth_date=identity.birth_date, birth_place=identity.birth_place[:100],
            nationality=identity.nationality[:60], gender=identity.sex,
        )
        # The card's names replace the typed ones: employee lists sort by a copy of the name.
        self._platform.organisations.refresh_sort_names(account_id)

    @staticmethod
    def _store_card(account_id: int, card: VerifiedCard, method: str, now: dt.datetime) -> None:
        identity, address = card.identity, card.address
        LinkedCard.delete().where(LinkedCard.account == account_id).execute()
        LinkedCard.create(
            account=account_id, applet=card.applet, card_number=identity.card_number,
            card_valid_from=identity.validity_begin, card_valid_until=identity.validity_end,
            issuing_municipality=identity.issuing_municipality[:100], surname=identity.surname[:120],
            first_names=identity.first_names[:120], third_name_initial=identity.third_name_initial[:5],
            nationality=identity.nationality[:90], birth_place=identity.birth_place[:90],
            birth_date_raw=identity.birth_date_raw[:20], birth_date=identity.birth_date, sex=identity.sex,
            document_type=identity.document_type[:3], street_and_number=address.street_and_number[:120],
            zip_code=address.zip_code[:10], municipality=address.municipality[:90], photo=card.files.photo,
            certificate_valid_until=card.auth_cert.not_valid_after_utc.replace(tzinfo=None),
            root=card.anchor.name[:300], revocation=card.revocation, method=method, verified_at=now,
        )

    def _refresh_recognitions(self, account: Account) -> int | None:
        try:
            report = self._platform.recognitions.refresh(account)
        except Exception:  # the link stands even if a register is down
            log.exception("fetching recognitions after the eID link failed")
            return None
        return report.found

    # -- helpers -----------------------------------------------------------------------------------

    def _load_actor(self, actor: Account | int) -> Account:
        account_id = actor if isinstance(actor, int) else int(actor.id)
        account: Account | None = Account.get_or_none(Account.id == account_id)
        if account is None or account.status != "active":
            with transaction():
                audit.record(
                    "eid.link", actor_id=account_id, actor=str(account.username) if account else "unknown",
                    outcome="refused", source=self._platform.source, detail={"reason": "account_inactive"},
                )
            raise PermissionDenied(
                _("Only an activated account can link an eID card."),
                hint=_("Activate your account with the code sent by e-mail, then try again."),
                code="account_inactive",
            )
        return account

    def _audit(self, action: str, account: Account, outcome: audit.Outcome, detail: dict[str, object] | None = None) -> None:
        audit.record(
            action, actor_id=int(account.id), actor=str(account.username), target=f"account:{account.id}",
            outcome=outcome, source=self._platform.source, detail=detail,
        )

    def _refused(self, account: Account, error: ImmoConnectError, *, method: str) -> None:
        outcome: audit.Outcome = "failed" if isinstance(error, _FAILURES) else "refused"
        detail = getattr(error, "detail", "")
        log.info("eID link %s for account %s: %s %s", outcome, account.id, error.code, detail)
        with transaction():
            self._audit("eid.link", account, outcome, detail={"reason": error.code, "method": method})


def _error_words(error: ImmoConnectError) -> str:
    """The refusal as the waiting screen shows it: message and hint."""
    return str(error)


def _hash(challenge_text: str) -> str:
    return hashlib.sha256(challenge_text.strip().encode("ascii", "replace")).hexdigest()


__all__ = ["EidError", "EidService", "IssuedChallenge", "LinkResult", "LinkStatus", "RemoteOutcome"]
