"""Authlib's authorization server wired to the platform's tables, for Starlette.

Authlib speaks the protocol (parameters, client authentication, PKCE, error answers); this
module tells it where clients, codes, tokens and device requests live. Handlers read the
request body first (Starlette reads it asynchronously) and hand an :class:`HttpInput` to
the server in a worker thread, where peewee's connections live.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import AccessDeniedError, InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc8628 import (
    DEVICE_CODE_GRANT_TYPE,
    AuthorizationPendingError,
    DeviceAuthorizationEndpoint,
    DeviceCodeGrant,
    ExpiredTokenError,
    SlowDownError,
)
from joserfc import jwt
from joserfc.jwk import KeySet
from starlette.responses import Response

from immo_connect import audit
from immo_connect.contracts.tools import Tool
from immo_connect.errors import ImmoConnectError
from immo_connect.oidc import keys
from immo_connect.oidc.models import AuthorizationCode, IssuedToken, PendingRequest, ToolSignIn
from immo_connect.oidc.service import digest, format_user_code
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform

GRANT_TYPES = ("authorization_code", "refresh_token", DEVICE_CODE_GRANT_TYPE)
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]


@dataclasses.dataclass(frozen=True)
class HttpInput:
    """An HTTP request already read: what Authlib needs to see of it."""

    method: str
    uri: str
    headers: Mapping[str, str]  # case-insensitive (Starlette's Headers): Authlib asks for "Authorization"
    query: dict[str, str]
    form: dict[str, str]


class _Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, http: HttpInput) -> None:
        super().__init__(http.method, http.uri, headers=http.headers or {})
        self._http = http
        self.payload = BasicOAuth2Payload({**http.query, **http.form})

    @property
    def args(self) -> dict[str, str]:
        return self._http.query

    @property
    def form(self) -> dict[str, str]:
        return self._http.form


class Client(ClientMixin):  # type: ignore[misc]
    """A tool's web client as Authlib sees it; ``client_id`` is the tool's name."""

    def __init__(self, tool: Tool) -> None:
        assert tool.web_client is not None
        self.tool = tool
        self.web = tool.web_client
        self.client_id = tool.name

    def get_client_id(self) -> str:
        return self.tool.name

    def get_default_redirect_uri(self) -> str:
        return self.web.redirect_uris[0]

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join(s for s in (scope or "").split() if s in self.web.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.web.redirect_uris  # exact string match (RFC 9700)

    def check_client_secret(self, client_secret: str) -> bool:
        return bool(self.web.client_secret) and hmac.compare_digest(
            client_secret.encode(), self.web.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.web.jwks:
            return method == "private_key_jwt"
        if self.web.client_secret:
            return method in ("client_secret_basic", "client_secret_post")
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


class CodeRecord:
    """An authorization code row as Authlib's ``AuthorizationCodeMixin``."""

    def __init__(self, row: AuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return str(self.row.redirect_uri)

    def get_scope(self) -> str:
        return str(self.row.scope)

    def get_nonce(self) -> str | None:
        return str(self.row.nonce) or None


class TokenRecord:
    """An issued token row as Authlib's ``TokenMixin``."""

    def __init__(self, row: IssuedToken, now: dt.datetime) -> None:
        self.row = row
        self.now = now

    def check_client(self, client: Client) -> bool:
        return bool(self.row.client_id == client.get_client_id())

    def get_scope(self) -> str:
        return str(self.row.scope)

    def get_expires_in(self) -> int:
        return max(0, int((self.row.expires_at - self.now).total_seconds()))

    def is_expired(self) -> bool:
        return bool(self.row.expires_at <= self.now)

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None or (self.row.kind == "refresh" and self.row.used_at is not None)


class DeviceRecord:
    """A device request as Authlib's ``DeviceCredentialMixin``."""

    def __init__(self, row: PendingRequest, now: dt.datetime) -> None:
        self.row = row
        self.now = now

    def get_client_id(self) -> str:
        return str(self.row.client_id)

    def get_scope(self) -> str:
        return str(self.row.scope)

    def get_user_code(self) -> str:
        return str(self.row.user_code)

    def is_expired(self) -> bool:
        return bool(self.row.expires_at <= self.now)


class Provider(AuthorizationServer):  # type: ignore[misc]
    """The platform's authorization server (Authlib's, adapted to Starlette and peewee)."""

    def __init__(self, platform: Platform) -> None:
        super().__init__(scopes_supported=["openid", "profile", "email", "quality", "wallet", "offline_access"])
        self.platform = platform
        self.register_token_generator("default", self._generate_token)
        id_tokens = IdTokens(self)
        self.register_grant(CodeGrant, [S256Required(), id_tokens])
        self.register_grant(RefreshGrant, [id_tokens])
        self.register_grant(DeviceGrant, [id_tokens])
        self.register_endpoint(DeviceEndpoint(self))
        self.register_endpoint(Revocation(self))
        self.register_endpoint(Introspection(self))
        self.register_client_auth_method(PrivateKeyJwt.CLIENT_AUTH_METHOD, PrivateKeyJwt(self))

    # -- what Authlib leaves to the integration ---------------------------------------------------

    def query_client(self, client_id: str) -> Client | None:
        tool = self.platform.sso.client(client_id or "")
        if tool is None:
            self.refuse("sso.client", str(client_id or "")[:64], "unknown_client")
            return None
        return Client(tool)

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return request if isinstance(request, OAuth2Request) else _Request(request)

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError  # no JSON endpoints of Authlib are used

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        content = json.dumps(body) if isinstance(body, dict) else (body or "")
        response = Response(content, status_code=status, headers=dict(headers or []))
        if isinstance(body, dict) and "content-type" not in {k.lower() for k in response.headers}:
            response.headers["content-type"] = "application/json"
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    # -- tokens ------------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.platform.clock.now()

    def _generate_token(self, grant_type: str, client: Client, user: Any = None, scope: str | None = None,
                        expires_in: int | None = None, include_refresh_token: bool = True) -> dict[str, Any]:
        lifetime = self.platform.settings.web.access_token_minutes * 60
        token: dict[str, Any] = {
            "token_type": "Bearer", "access_token": secrets.token_urlsafe(32),
            "expires_in": lifetime, "scope": scope or "",
        }
        # OpenID Connect Core §11: a refresh token (a sign-in that outlives the access token)
        # only when the tool asked for offline_access and the person approved that scope.
        if include_refresh_token and "offline_access" in (scope or "").split():
            token["refresh_token"] = secrets.token_urlsafe(48)
        return token

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        sign_in: ToolSignIn = request.user
        now = self.now()
        web = self.platform.settings.web
        grant_type = request.payload.grant_type
        with transaction():
            IssuedToken.create(
                token_hash=digest(token["access_token"]), kind="access", sign_in=sign_in.id,
                client_id=sign_in.client_id, scope=token["scope"], issued_at=now,
                expires_at=now + dt.timedelta(seconds=token["expires_in"]))
            if token.get("refresh_token"):
                IssuedToken.create(
                    token_hash=digest(token["refresh_token"]), kind="refresh", sign_in=sign_in.id,
                    client_id=sign_in.client_id, scope=token["scope"], issued_at=now,
                    expires_at=now + dt.timedelta(days=web.refresh_token_days))
            audit.record(
                "sso.token_refreshed" if grant_type == "refresh_token" else "sso.token_issued",
                actor_id=int(sign_in.account_id), organisation_id=int(sign_in.organisation_id),
                target=f"tool:{sign_in.client_id}/{sign_in.mode}", source=self.platform.source,
                detail={"sign_in_id": sign_in.id, "grant_type": grant_type, "scope": token["scope"]},
            )

    def live_sign_in(self, sign_in_id: int) -> ToolSignIn:
        """The sign-in behind a code or token, with every right checked again now."""
        sign_in: ToolSignIn | None = ToolSignIn.get_or_none(ToolSignIn.id == sign_in_id)
        if sign_in is None or sign_in.ended_at is not None:
            raise InvalidGrantError("The sign-in has ended.")
        try:
            self.platform.sso.context(sign_in)
        except ImmoConnectError as error:
            raise InvalidGrantError(f"Access removed: {error.code}.") from None
        return sign_in

    def refuse(self, action: str, client_id: str, reason: str, sign_in: ToolSignIn | None = None) -> None:
        """Audit a refused protocol step (the refusal itself is answered by Authlib)."""
        with transaction():
            audit.record(
                action, actor_id=int(sign_in.account_id) if sign_in else None,
                organisation_id=int(sign_in.organisation_id) if sign_in else None,
                target=f"tool:{client_id}", outcome="refused", source=self.platform.source,
                detail={"reason": reason, **({"sign_in_id": sign_in.id} if sign_in else {})},
            )

    def end_for_reuse(self, sign_in_id: int, client_id: str, what: str) -> None:
        """A code or refresh token presented twice: someone else may hold it, end the sign-in."""
        sign_in: ToolSignIn | None = ToolSignIn.get_or_none(ToolSignIn.id == sign_in_id)
        self.refuse(f"sso.{what}_reused", client_id, "reused", sign_in)
        self.platform.sso.end_sign_ins([sign_in_id], reason=f"{what}_reused", actor=None)


class PrivateKeyJwt(JWTBearerClientAssertion):  # type: ignore[misc]
    """``private_key_jwt`` (RFC 7523, OpenID Connect Core §9): the tool signs an assertion with
    its own key; each ``jti`` is accepted once (remembered in the database for a day)."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, server: Provider) -> None:
        super().__init__(validate_jti=True)
        self.server = server

    def get_audiences(self) -> list[str]:
        issuer = self.server.platform.settings.issuer
        return [f"{issuer}/token", issuer]

    def resolve_client_public_key(self, client: Client) -> KeySet:
        return KeySet.import_key_set(json.loads(client.web.jwks))

    def validate_jti(self, claims: Any, jti: str) -> bool:
        from immo_connect.accounts import ratelimit

        platform = self.server.platform
        now = platform.clock.now()
        subject = ratelimit.subject(platform.settings.secret_key, "sso-jti", str(claims.get("iss")), str(jti))
        with transaction():
            if ratelimit.count("sso_jti", subject, now - dt.timedelta(days=1)):
                return False
            ratelimit.hit("sso_jti", subject, now)
        return True


class S256Required(CodeChallenge):  # type: ignore[misc]
    """PKCE for every client, and only S256 (RFC 9700)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send 'code_challenge' with 'code_challenge_method=S256'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only 'code_challenge_method=S256' is supported.")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    server: Provider

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        sign_in: ToolSignIn = request.user
        data = request.payload.data
        now = self.server.now()
        client: Client = request.client
        AuthorizationCode.create(
            code_hash=digest(code), sign_in=sign_in.id, client_id=client.get_client_id(),
            redirect_uri=request.payload.redirect_uri or "", scope=client.get_allowed_scope(request.payload.scope),
            nonce=data.get("nonce", ""), code_challenge=data.get("code_challenge", ""),
            code_challenge_method="S256", auth_time=sign_in.created_at, created_at=now,
            expires_at=now + dt.timedelta(seconds=self.server.platform.settings.web.code_seconds),
        )

    def query_authorization_code(self, code: str, client: Client) -> CodeRecord | None:
        row: AuthorizationCode | None = AuthorizationCode.get_or_none(AuthorizationCode.code_hash == digest(code))
        if row is None or row.client_id != client.get_client_id():
            self.server.refuse("sso.token", client.get_client_id(), "unknown_code")
            return None
        now = self.server.now()
        claimed = AuthorizationCode.update(used_at=now).where(
            (AuthorizationCode.id == row.id) & AuthorizationCode.used_at.is_null()).execute()
        if not claimed:
            self.server.end_for_reuse(int(row.sign_in_id), client.get_client_id(), "code")
            return None
        if row.expires_at <= now:
            self.server.refuse("sso.token", client.get_client_id(), "code_expired")
            return None
        return CodeRecord(row)

    def delete_authorization_code(self, authorization_code: CodeRecord) -> None:
        return None  # claimed (used_at) when it was read: a second use is detected, not just refused

    def authenticate_user(self, authorization_code: CodeRecord) -> ToolSignIn:
        return self.server.live_sign_in(int(authorization_code.row.sign_in_id))


class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: Provider

    def authenticate_refresh_token(self, refresh_token: str) -> TokenRecord | None:
        row: IssuedToken | None = IssuedToken.get_or_none(
            (IssuedToken.token_hash == digest(refresh_token)) & (IssuedToken.kind == "refresh"))
        if row is None:
            return None
        now = self.server.now()
        if row.used_at is not None:
            self.server.end_for_reuse(int(row.sign_in_id), str(row.client_id), "refresh_token")
            return None
        if row.revoked_at is not None or row.expires_at <= now:
            return None
        claimed = IssuedToken.update(used_at=now).where(
            (IssuedToken.id == row.id) & IssuedToken.used_at.is_null()).execute()
        if not claimed:  # another request used it at the same moment
            self.server.end_for_reuse(int(row.sign_in_id), str(row.client_id), "refresh_token")
            return None
        return TokenRecord(row, now)

    def authenticate_user(self, refresh_token: TokenRecord) -> ToolSignIn:
        return self.server.live_sign_in(int(refresh_token.row.sign_in_id))

    def revoke_old_credential(self, refresh_token: TokenRecord) -> None:
        return None  # marked used when it was read (rotation)


class DeviceGrant(DeviceCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    server: Provider

    def query_device_credential(self, device_code: str) -> DeviceRecord | None:
        row: PendingRequest | None = PendingRequest.get_or_none(
            (PendingRequest.device_code_hash == digest(device_code)) & (PendingRequest.kind == "device"))
        return DeviceRecord(row, self.server.now()) if row is not None else None

    def validate_device_credential(self, credential: DeviceRecord) -> ToolSignIn:
        row = credential.row
        now = self.server.now()
        if row.status == "used":
            self.server.refuse("sso.token", str(row.client_id), "device_code_used")
            raise InvalidGrantError("This device code was already exchanged.")
        if credential.is_expired():
            self.server.refuse("sso.token", str(row.client_id), "device_code_expired")
            raise ExpiredTokenError()
        if row.status == "refused":
            raise AccessDeniedError()  # the refusal itself is audited (sso.refused)
        if row.status == "approved":
            claimed = PendingRequest.update(status="used").where(
                (PendingRequest.id == row.id) & (PendingRequest.status == "approved")).execute()
            if not claimed:
                raise InvalidGrantError("This device code was already exchanged.")
            return self.server.live_sign_in(int(row.sign_in_id or 0))
        # Pending: polling faster than the interval earns five more seconds (RFC 8628 §3.5).
        if row.last_polled_at is not None and (now - row.last_polled_at).total_seconds() < row.interval_seconds:
            PendingRequest.update(interval_seconds=row.interval_seconds + 5, last_polled_at=now).where(
                PendingRequest.id == row.id).execute()
            raise SlowDownError()
        PendingRequest.update(last_polled_at=now).where(PendingRequest.id == row.id).execute()
        raise AuthorizationPendingError()


class DeviceEndpoint(DeviceAuthorizationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = AUTH_METHODS
    server: Provider

    def get_verification_uri(self) -> str:
        return f"{self.server.platform.settings.issuer}/device"

    def create_endpoint_response(self, request: OAuth2Request) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        client: Client = self.authenticate_client(request)
        self.server.validate_requested_scope(request.payload.scope)
        scope = client.get_allowed_scope(request.payload.scope or "openid")
        device_code = secrets.token_urlsafe(32)
        row, user_code = self.server.platform.sso.create_request(
            "device", client.get_client_id(), scope, device_code=device_code,
            acr_values=request.payload.data.get("acr_values", ""))
        data = {
            "device_code": device_code, "user_code": format_user_code(user_code),
            "verification_uri": self.get_verification_uri(),
            "expires_in": int((row.expires_at - row.created_at).total_seconds()),
            "interval": int(row.interval_seconds),
        }
        return 200, data, [("Content-Type", "application/json"), ("Cache-Control", "no-store")]


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = AUTH_METHODS
    server: Provider

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenRecord | None:
        row: IssuedToken | None = IssuedToken.get_or_none(IssuedToken.token_hash == digest(token_string))
        return TokenRecord(row, self.server.now()) if row is not None else None

    def revoke_token(self, token: TokenRecord, request: OAuth2Request) -> None:
        row = token.row
        if row.kind == "refresh":  # RFC 7009 §2.1: the whole grant goes with its refresh token
            self.server.platform.sso.end_sign_ins([int(row.sign_in_id)], reason="revoked_by_tool", actor=None)
            return
        with transaction():
            IssuedToken.update(revoked_at=self.server.now()).where(
                (IssuedToken.id == row.id) & IssuedToken.revoked_at.is_null()).execute()
            audit.record("sso.token_revoked", target=f"tool:{row.client_id}", source=self.server.platform.source,
                         detail={"sign_in_id": row.sign_in_id, "kind": row.kind})


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = AUTH_METHODS
    server: Provider

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenRecord | None:
        row: IssuedToken | None = IssuedToken.get_or_none(IssuedToken.token_hash == digest(token_string))
        return TokenRecord(row, self.server.now()) if row is not None else None

    def check_permission(self, token: TokenRecord, client: Client, request: OAuth2Request) -> bool:
        return token.check_client(client)  # a tool learns about its own tokens only

    def introspect_token(self, token: TokenRecord) -> dict[str, Any]:
        row = token.row
        sign_in: ToolSignIn = ToolSignIn.get_by_id(row.sign_in_id)
        if sign_in.ended_at is not None:
            return {"active": False}
        return {
            "active": True, "client_id": row.client_id, "token_type": "Bearer" if row.kind == "access" else "refresh_token",
            "scope": row.scope, "sub": self.server.platform.sso.subject(int(sign_in.account_id)),
            "aud": row.client_id, "iss": self.server.platform.settings.issuer, "sid": sign_in.sid,
            "iat": int(row.issued_at.replace(tzinfo=dt.UTC).timestamp()),
            "exp": int(row.expires_at.replace(tzinfo=dt.UTC).timestamp()),
        }


class IdTokens:
    """Adds the ID token to every token answer whose scope has ``openid`` (code, device, refresh)."""

    def __init__(self, server: Provider) -> None:
        self.server = server

    def __call__(self, grant: Any) -> None:
        grant.register_hook("after_create_token_response", self.process_token)

    def process_token(self, grant: Any, response: tuple[int, dict[str, Any], Any]) -> None:
        status, token, _headers = response
        if status != 200 or "openid" not in str(token.get("scope", "")).split():
            return
        code = grant.request.authorization_code
        token["id_token"] = id_token(self.server.platform, grant.request.user, str(token["scope"]),
                                     nonce=code.get_nonce() if code is not None else None)


def timestamp(moment: dt.datetime) -> int:
    """Seconds since the epoch of a naive UTC datetime (how the platform stores times)."""
    return int(moment.replace(tzinfo=dt.UTC).timestamp())


def id_token(platform: Platform, sign_in: ToolSignIn, scope: str, *, nonce: str | None = None) -> str:
    """A signed ID token for ``sign_in``: the person, the quality, ``acr`` (eID linked or not)."""
    key = keys.signing_key(platform)
    now = platform.clock.now()
    claims: dict[str, Any] = {
        "iss": platform.settings.issuer, "aud": str(sign_in.client_id), "azp": str(sign_in.client_id),
        "iat": timestamp(now), "exp": timestamp(now + dt.timedelta(minutes=platform.settings.web.id_token_minutes)),
        "auth_time": timestamp(sign_in.created_at), "acr": platform.sso.acr(sign_in),
        "amr": ["pwd", "hwk"] if sign_in.eid_linked else ["pwd"], "sid": str(sign_in.sid),
    }
    if nonce:
        claims["nonce"] = nonce
    claims.update(platform.sso.claims(sign_in, scope))
    return jwt.encode({"alg": keys.ALGORITHM, "kid": key.kid, "typ": "JWT"}, claims, key)
