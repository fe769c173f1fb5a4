"""The account of one person and what hangs off it. Other areas refer to it by foreign key.

Secrets are never stored in the clear: passwords as Argon2id PHC strings (parameters
included), one-time codes as keyed hashes, session tokens as SHA-256 digests.
"""

from __future__ import annotations

import peewee

from immo_connect.i18n import N_
from immo_connect.storage import BaseModel, Migration

ACCOUNT_STATUSES = ("pending", "active", "blocked", "deleted")


class Account(BaseModel):
    id = peewee.BigAutoField()
    username = peewee.CharField(max_length=64, unique=True)
    # Lowercased; NULL for accounts imported from an earlier tool without an address.
    email = peewee.CharField(max_length=254, unique=True, null=True)
    first_name = peewee.CharField(max_length=100)
    last_name = peewee.CharField(max_length=100)
    status = peewee.CharField(max_length=10, default="pending", index=True)
    language = peewee.CharField(max_length=2, default="fr")
    created_at = peewee.DateTimeField()
    # Filled when an eID card is linked: a keyed hash for uniqueness and the encrypted value.
    eid_linked_at = peewee.DateTimeField(null=True)
    national_number_hash = peewee.CharField(max_length=64, unique=True, null=True)
    national_number_encrypted = peewee.BlobField(null=True)
    # Argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash). NULL while an imported
    # account still signs in with the hash of its earlier tool (LegacyCredential).
    password_hash = peewee.CharField(max_length=255, null=True)
    password_changed_at = peewee.DateTimeField(null=True)
    terms_version = peewee.CharField(max_length=20, default="")
    terms_accepted_at = peewee.DateTimeField(null=True)
    activated_at = peewee.DateTimeField(null=True)
    last_sign_in_at = peewee.DateTimeField(null=True)
    # Brute-force protection: consecutive failures and the end of the current wait.
    failed_sign_ins = peewee.IntegerField(default=0)
    locked_until = peewee.DateTimeField(null=True)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or str(self.username)


class Profile(BaseModel):
    """Personal data beyond the names: general, contact, social media, and the photo."""

    account = peewee.ForeignKeyField(Account, primary_key=True, backref="profile_rows", on_delete="CASCADE")
    birth_date = peewee.DateField(null=True)
    birth_place = peewee.CharField(max_length=100, default="")
    nationality = peewee.CharField(max_length=60, default="")
    gender = peewee.CharField(max_length=1, default="")  # "", "F", "M" or "X"
    phone = peewee.CharField(max_length=30, default="")
    mobile = peewee.CharField(max_length=30, default="")
    website = peewee.CharField(max_length=200, default="")
    linkedin = peewee.CharField(max_length=200, default="")
    facebook = peewee.CharField(max_length=200, default="")
    instagram = peewee.CharField(max_length=200, default="")
    x = peewee.CharField(max_length=200, default="")
    photo = peewee.BlobField(null=True)  # JPEG, square, cropped and resized on upload
    photo_updated_at = peewee.DateTimeField(null=True)
    updated_at = peewee.DateTimeField(null=True)


class Address(BaseModel):
    id = peewee.BigAutoField()
    account = peewee.ForeignKeyField(Account, backref="addresses", on_delete="CASCADE")
    position = peewee.IntegerField(default=0)
    kind = peewee.CharField(max_length=10, default="home")  # home, work, postal, other
    street = peewee.CharField(max_length=120)
    number = peewee.CharField(max_length=10)
    box = peewee.CharField(max_length=10, default="")
    postal_code = peewee.CharField(max_length=10)
    city = peewee.CharField(max_length=80)
    country = peewee.CharField(max_length=2, default="BE")


class Session(BaseModel):
    """A signed-in session. A restricted one only allows finishing a required action."""

    id = peewee.BigAutoField()
    account = peewee.ForeignKeyField(Account, backref="sessions", on_delete="CASCADE")
    token_hash = peewee.CharField(max_length=64, unique=True)
    restricted = peewee.BooleanField(default=False)
    source = peewee.CharField(max_length=100, default="")
    created_at = peewee.DateTimeField()
    last_seen_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField()  # the absolute limit
    ended_at = peewee.DateTimeField(null=True, index=True)
    end_reason = peewee.CharField(max_length=30, default="")


class VerificationCode(BaseModel):
    """A one-time code sent by mail; only its keyed hash is kept."""

    id = peewee.BigAutoField()
    account = peewee.ForeignKeyField(Account, backref="codes", on_delete="CASCADE")
    purpose = peewee.CharField(max_length=20)  # activation, password_reset, email_change
    code_hash = peewee.CharField(max_length=64)
    email = peewee.CharField(max_length=254)  # the address the code proves
    created_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField()
    attempts = peewee.IntegerField(default=0)
    used_at = peewee.DateTimeField(null=True)
    replaced_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("account", "purpose", "created_at"), False),)


class SignInFailure(BaseModel):
    """One failed sign-in; counted per account (hourly cap) and per source (throttle)."""

    id = peewee.BigAutoField()
    account = peewee.ForeignKeyField(Account, null=True, backref="sign_in_failures", on_delete="CASCADE")
    source = peewee.CharField(max_length=100, default="")
    at = peewee.DateTimeField()
    # False when the password was not even checked (account waiting after failures).
    checked = peewee.BooleanField(default=True)

    class Meta:
        indexes = ((("account", "at"), False), (("source", "at"), False))


class RateLimitHit(BaseModel):
    """A counted event of a rate-limited check; ``subject`` is a keyed hash, never the value."""

    id = peewee.BigAutoField()
    bucket = peewee.CharField(max_length=30)
    subject = peewee.CharField(max_length=64)
    at = peewee.DateTimeField()

    class Meta:
        indexes = ((("bucket", "subject", "at"), False),)


class LegacyLink(BaseModel):
    """Which login of which earlier tool became which account (makes imports idempotent)."""

    id = peewee.BigAutoField()
    tool = peewee.CharField(max_length=30)
    legacy_username = peewee.CharField(max_length=100)
    account = peewee.ForeignKeyField(Account, backref="legacy_links", on_delete="CASCADE")
    imported_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("tool", "legacy_username"), True),)


class LegacyCredential(BaseModel):
    """The hash an earlier tool stored, accepted until the first sign-in replaces it."""

    id = peewee.BigAutoField()
    account = peewee.ForeignKeyField(Account, backref="legacy_credentials", on_delete="CASCADE")
    tool = peewee.CharField(max_length=30)
    password_hash = peewee.CharField(max_length=255)


MODELS: list[type[BaseModel]] = [
    Account, Profile, Address, Session, VerificationCode, SignInFailure, RateLimitHit,
    LegacyLink, LegacyCredential,
]


def _create(db: peewee.Database) -> None:
    db.create_tables(MODELS)


MIGRATIONS = [Migration(1, N_("accounts"), _create)]
