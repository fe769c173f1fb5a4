"""Tables of the identity provider: signing keys, sign-ins of tools, codes and tokens.

Nothing of the protocol lives in process memory: several ``immo-connect web`` processes
serve one database. Codes and tokens are stored as SHA-256 digests (they are long random
strings, so a plain digest suffices); signing keys are sealed with the platform key.
"""

from __future__ import annotations

import peewee

from immo_connect.accounts.models import Account
from immo_connect.i18n import N_
from immo_connect.organisations.models import Organisation
from immo_connect.storage import BaseModel, Migration


class SigningKey(BaseModel):
    """A key that signs ID tokens. The newest unretired one signs; the others stay published
    in the JWKS until ``retired_at`` plus the longest token lifetime."""

    id = peewee.BigAutoField()
    kid = peewee.CharField(max_length=64, unique=True)
    algorithm = peewee.CharField(max_length=10)
    public_jwk = peewee.TextField()  # JSON
    private_sealed = peewee.BlobField()  # AES-GCM under a key derived from the platform key
    created_at = peewee.DateTimeField()
    retired_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "oidc_signing_key"


class ToolSignIn(BaseModel):
    """One tool holding a sign-in of one person under one quality (organisation, mode, role).

    Codes and tokens hang off it; ending it (the person, sign-out everywhere, a password
    change, a block) revokes them all and tells the tool through back-channel logout.
    """

    id = peewee.BigAutoField()
    sid = peewee.CharField(max_length=64, unique=True)  # the OpenID Connect session id told to the tool
    account = peewee.ForeignKeyField(Account, on_delete="CASCADE", index=True)
    account_id: int  # the columns behind the foreign keys (for type checkers)
    organisation_id: int
    client_id = peewee.CharField(max_length=64, index=True)
    organisation = peewee.ForeignKeyField(Organisation, on_delete="CASCADE")
    mode = peewee.CharField(max_length=64)
    role = peewee.CharField(max_length=64)
    scope = peewee.CharField(max_length=200)
    eid_linked = peewee.BooleanField(default=False)  # at approval: the acr of its ID tokens
    via = peewee.CharField(max_length=10)  # "device", "browser" or "link"
    created_at = peewee.DateTimeField()
    ended_at = peewee.DateTimeField(null=True, index=True)
    end_reason = peewee.CharField(max_length=30, default="")

    class Meta:
        table_name = "oidc_sign_in"


class PendingRequest(BaseModel):
    """A request waiting for the person's approval in the terminal UI, found by its user code.

    ``kind`` "device": a tool asked at the device authorization endpoint and polls with the
    device code. "browser": a browser reached the authorization endpoint without a sign-in
    link; its page waits, then continues to the tool with an authorization code.
    """

    id = peewee.BigAutoField()
    sign_in_id: int | None
    kind = peewee.CharField(max_length=10)
    user_code = peewee.CharField(max_length=8, index=True)  # normalised: 8 consonants, no dash
    device_code_hash = peewee.CharField(max_length=64, unique=True, null=True)
    browser_key_hash = peewee.CharField(max_length=64, unique=True, null=True)
    client_id = peewee.CharField(max_length=64)
    scope = peewee.CharField(max_length=200)
    query = peewee.TextField(default="")  # the browser's authorization request, replayed once approved
    acr_values = peewee.CharField(max_length=200, default="")
    created_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField(index=True)
    interval_seconds = peewee.IntegerField(default=5)
    last_polled_at = peewee.DateTimeField(null=True)
    status = peewee.CharField(max_length=10, default="pending")  # pending, approved, refused, used
    sign_in = peewee.ForeignKeyField(ToolSignIn, null=True, on_delete="CASCADE")
    decided_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "oidc_pending_request"


class AuthorizationCode(BaseModel):
    """An authorization code: single use, short-lived, bound to its client, redirect and PKCE challenge."""

    id = peewee.BigAutoField()
    sign_in_id: int
    code_hash = peewee.CharField(max_length=64, unique=True)
    sign_in = peewee.ForeignKeyField(ToolSignIn, on_delete="CASCADE")
    client_id = peewee.CharField(max_length=64)
    redirect_uri = peewee.TextField()
    scope = peewee.CharField(max_length=200)
    nonce = peewee.TextField(default="")
    code_challenge = peewee.CharField(max_length=128)
    code_challenge_method = peewee.CharField(max_length=10, default="S256")
    auth_time = peewee.DateTimeField()
    created_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField()
    used_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "oidc_authorization_code"


class IssuedToken(BaseModel):
    """An access or refresh token. A refresh token is used once: its successor is issued and
    ``used_at`` set; presenting it again ends the whole sign-in (reuse detection)."""

    id = peewee.BigAutoField()
    sign_in_id: int
    token_hash = peewee.CharField(max_length=64, unique=True)
    kind = peewee.CharField(max_length=10)  # "access" or "refresh"
    sign_in = peewee.ForeignKeyField(ToolSignIn, on_delete="CASCADE", index=True)
    client_id = peewee.CharField(max_length=64)
    scope = peewee.CharField(max_length=200)
    issued_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField()
    used_at = peewee.DateTimeField(null=True)
    revoked_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "oidc_token"


class SignInLink(BaseModel):
    """A one-time sign-in link made in the terminal UI after the quality selection."""

    id = peewee.BigAutoField()
    sign_in_id: int
    token_hash = peewee.CharField(max_length=64, unique=True)
    sign_in = peewee.ForeignKeyField(ToolSignIn, on_delete="CASCADE")
    created_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField()
    used_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "oidc_sign_in_link"


class LogoutDelivery(BaseModel):
    """A back-channel logout notice still owed to a tool (or its outcome).

    Written in the transaction that ends the sign-in, so it is never lost; delivered by the
    process that ended it, by ``immo-connect web`` or by ``immo-connect worker``, with a
    claim (a lease) so that one process sends it, and retried with backoff while the tool
    cannot be reached. The logout token is made at each attempt (it lives two minutes).
    """

    id = peewee.BigAutoField()
    sign_in_id: int
    sign_in = peewee.ForeignKeyField(ToolSignIn, on_delete="CASCADE")
    client_id = peewee.CharField(max_length=64)
    created_at = peewee.DateTimeField()
    next_attempt_at = peewee.DateTimeField(index=True)
    attempts = peewee.IntegerField(default=0)
    claimed_by = peewee.CharField(max_length=100, null=True)
    claimed_until = peewee.DateTimeField(null=True)
    status = peewee.CharField(max_length=10, default="pending", index=True)  # pending, delivered, abandoned
    finished_at = peewee.DateTimeField(null=True)
    last_error = peewee.CharField(max_length=200, default="")

    class Meta:
        table_name = "oidc_logout_delivery"


TABLES = [SigningKey, ToolSignIn, PendingRequest, AuthorizationCode, IssuedToken, SignInLink]


def _create(db: peewee.Database) -> None:
    db.create_tables(TABLES)


def _create_logout_deliveries(db: peewee.Database) -> None:
    db.create_tables([LogoutDelivery])


MIGRATIONS = [
    Migration(1, N_("identity provider: keys, sign-ins, requests, codes, tokens, links"), _create),
    Migration(2, N_("back-channel logout notices owed to the tools"), _create_logout_deliveries),
]
