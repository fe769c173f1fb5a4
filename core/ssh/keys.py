"""The SSH public keys a user registers ("Mes clés SSH"), and finding an account by key.

A registered key signs its owner straight in over SSH, so the service checks the actor on
every call (re-read from the database, active) and only ever touches the actor's own keys.
Key texts are parsed with asyncssh, the library the server verifies them with, so a key
accepted here is a key the server can use.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import TYPE_CHECKING

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from immo_connect.i18n import _
from immo_connect.ssh.models import SshKey
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform

MAX_KEYS_PER_ACCOUNT = 20
MAX_KEY_TEXT = 16_384  # an RSA 16384-bit key fits; anything longer is not a public key line
MAX_NAME = 100
MIN_RSA_BITS = 2048
# Algorithms the server accepts for sign-in; DSA and certificates are refused on purpose.
ACCEPTED_ALGORITHMS = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
_KEY_LINE = re.compile(r"^(?P<algorithm>[a-z0-9@.\-]+)\s+(?P<data>[A-Za-z0-9+/=]+)(?:\s+(?P<comment>.*))?$")


@dataclasses.dataclass(frozen=True)
class SshKeyInfo:
    """What screens show of a registered key (never more than the public part)."""

    id: int
    name: str
    algorithm: str
    fingerprint: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    last_used_from: str


@dataclasses.dataclass(frozen=True)
class ParsedKey:
    algorithm: str
    public_key: str
    fingerprint: str
    comment: str


def _info(key: SshKey) -> SshKeyInfo:
    return SshKeyInfo(
        id=key.id, name=key.name, algorithm=key.algorithm, fingerprint=key.fingerprint,
        created_at=key.created_at, last_used_at=key.last_used_at, last_used_from=key.last_used_from,
    )


def _invalid_key(reason: str) -> ValidationError:
    return ValidationError(
        _("This is not a usable SSH public key: {reason}.").format(reason=reason),
        hint=_("Paste the one line of your .pub file, for example ~/.ssh/id_ed25519.pub (ssh-keygen -t ed25519 makes one)."),
        code="ssh_key_invalid", field="public_key",
    )


def parse_public_key(text: str) -> ParsedKey:
    """Check one OpenSSH public key line and compute its SHA-256 fingerprint."""
    # A terminal may wrap a pasted key: line breaks go, other blanks separate the parts.
    line = " ".join(re.sub(r"[\r\n]+", "", text).split())
    if not line:
        raise _invalid_key(_("the field is empty"))
    if len(line) > MAX_KEY_TEXT:
        raise _invalid_key(_("the text is too long"))
    if "PRIVATE KEY" in line:
        raise ValidationError(
            _("This is a private key. Never share it: it stays on your computer."),
            hint=_("Paste the public key instead: the line in the file ending with .pub."),
            code="ssh_key_private", field="public_key",
        )
    match = _KEY_LINE.match(line)
    if match is None:
        raise _invalid_key(_("expected \"type base64 [comment]\" on one line, without options"))
    algorithm = match["algorithm"]
    if algorithm not in ACCEPTED_ALGORITHMS:
        raise _invalid_key(_("the key type {algorithm} is not accepted").format(algorithm=algorithm))
    import asyncssh  # the SSH library is loaded only when a key is actually checked

    try:
        key = asyncssh.import_public_key(f"{algorithm} {match['data']}")
    except (asyncssh.KeyImportError, ValueError):
        raise _invalid_key(_("the key data is damaged")) from None
    if key.get_algorithm() != algorithm:
        raise _invalid_key(_("the key data does not match its type"))
    if algorithm == "ssh-rsa":
        bits = int(getattr(key.pyca_key, "key_size", 0))
        if bits < MIN_RSA_BITS:
            raise _invalid_key(_("RSA keys need at least 2048 bits"))
    return ParsedKey(
        algorithm=algorithm,
        public_key=f"{algorithm} {match['data']}",
        fingerprint=key.get_fingerprint("sha256"),
        comment=(match["comment"] or "").strip()[:MAX_NAME],
    )


class SshKeyService:
    """``platform.ssh_keys``: list, add and remove one's own keys; find an account by key."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def _actor(self, actor: Account | int, action: str) -> Account:
        account_id = actor.id if isinstance(actor, Account) else int(actor)
        account: Account | None = Account.get_or_none(Account.id == account_id)
        if account is None or account.status != "active":
            with transaction():
                audit.record(
                    action, actor_id=account_id,
                    actor=account.username if account is not None else f"account:{account_id}",
                    outcome="refused", source=self.platform.source, detail={"reason": "account_inactive"},
                )
            raise PermissionDenied(
                _("Your account is not active, so its SSH keys cannot be changed."),
                hint=_("Sign in again; if the problem remains, contact support."),
                code="account_inactive",
            )
        return account

    def list_keys(self, actor: Account | int) -> list[SshKeyInfo]:
        account = self._actor(actor, "ssh.key.list")
        keys = SshKey.select().where(SshKey.account == account.id).order_by(SshKey.created_at, SshKey.id)
        return [_info(key) for key in keys]

    def add_key(self, actor: Account | int, text: str, name: str = "") -> SshKeyInfo:
        """Register a public key for the actor; the name defaults to the key's comment."""
        account = self._actor(actor, "ssh.key.add")
        parsed = parse_public_key(text)
        label = " ".join(name.split()) or parsed.comment or _("{algorithm} key").format(algorithm=parsed.algorithm)
        if len(label) > MAX_NAME:
            raise ValidationError(
                _("The key name is too long ({count} characters).").format(count=len(label)),
                hint=_("Use at most 100 characters."), code="ssh_key_name_too_long", field="name",
            )
        with transaction():
            count = SshKey.select().where(SshKey.account == account.id).count()
            if count >= MAX_KEYS_PER_ACCOUNT:
                raise ConflictError(
                    _("You already have {count} SSH keys, the maximum.").format(count=count),
                    hint=_("Remove a key you no longer use, then add this one."), code="ssh_key_limit",
                )
            existing: SshKey | None = SshKey.get_or_none(SshKey.fingerprint == parsed.fingerprint)
            if existing is not None:
                raise ConflictError(
                    _("This SSH key is already registered."),
                    hint=_("Each key signs in one account only: make a new key for this account."),
                    code="ssh_key_taken", field="public_key",
                )
            key: SshKey = SshKey.create(
                account=account.id, name=label, algorithm=parsed.algorithm,
                public_key=parsed.public_key, fingerprint=parsed.fingerprint,
                created_at=self.platform.clock.now(),
            )
            audit.record(
                "ssh.key.add", actor_id=account.id, actor=account.username, target=parsed.fingerprint,
                source=self.platform.source, detail={"algorithm": parsed.algorithm, "name": label},
            )
        return _info(key)

    def remove_key(self, actor: Account | int, key_id: int) -> None:
        account = self._actor(actor, "ssh.key.remove")
        with transaction():
            key: SshKey | None = SshKey.get_or_none((SshKey.id == int(key_id)) & (SshKey.account == account.id))
            if key is None:
                raise NotFoundError(
                    _("This SSH key does not exist (any more)."),
                    hint=_("Reopen \"My SSH keys\" to see your current keys."), code="ssh_key_not_found",
                )
            key.delete_instance()
            audit.record(
                "ssh.key.remove", actor_id=account.id, actor=account.username, target=key.fingerprint,
                source=self.platform.source, detail={"name": key.name},
            )

    def account_for_key(self, fingerprint: str) -> Account | None:
        """The active account a key fingerprint signs in, or None (unknown key, inactive account)."""
        key: SshKey | None = (
            SshKey.select(SshKey, Account).join(Account)
            .where(SshKey.fingerprint == fingerprint).first()
        )
        if key is None or key.account.status != "active":
            return None
        account: Account = key.account
        return account

    def key_used(self, fingerprint: str, source: str) -> None:
        """Remember when and from where a key last signed in (shown in "My SSH keys")."""
        with transaction():
            SshKey.update(last_used_at=self.platform.clock.now(), last_used_from=source[:100]).where(
                SshKey.fingerprint == fingerprint
            ).execute()
