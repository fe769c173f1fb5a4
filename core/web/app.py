"""``immo-connect web``: the identity provider of the tools, their wallet API and the
payment providers' webhooks, one Starlette application.

Each handler reads the request (asynchronously), then does its work in a worker thread
(peewee connections are per thread) and closes that thread's connection, like the SSH
sessions do. All state lives in the database, so several processes serve one PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import AccessDeniedError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from immo_connect import audit
from immo_connect.i18n import _
from immo_connect.oidc import keys
from immo_connect.oidc.models import PendingRequest, SignInLink, ToolSignIn
from immo_connect.oidc.server import HttpInput, Provider
from immo_connect.oidc.service import ACR_EID, digest, format_user_code
from immo_connect.storage import transaction
from immo_connect.web import pages

if TYPE_CHECKING:
    from immo_connect.platform import Platform

log = logging.getLogger("immo_connect.web")
T = TypeVar("T")
MAX_FORM = 64 * 1024


def discovery(platform: Platform) -> dict[str, Any]:
    issuer = platform.settings.issuer
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "device_authorization_endpoint": f"{issuer}/device_authorization",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "revocation_endpoint": f"{issuer}/revoke",
        "introspection_endpoint": f"{issuer}/introspect",
        "jwks_uri": f"{issuer}/jwks",
        "wallet_endpoint": f"{issuer}/api/wallet",
        "scopes_supported": ["openid", "profile", "email", "quality", "wallet", "offline_access"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [keys.ALGORITHM],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "acr_values_supported": ["urn:immo-connect:acr:eid", "urn:immo-connect:acr:password"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid",
                             "name", "given_name", "family_name", "preferred_username", "locale", "email",
                             "email_verified", "organisation", "usage_mode", "role", "recognitions"],
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "request_parameter_supported": False,
    }


class WebApp:
    """The routes, bound to one platform and its Authlib server."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.provider = Provider(platform)

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        def call() -> T:
            try:
                return work(*args)
            finally:
                if not self.platform.database.is_closed():
                    self.platform.database.close()  # this worker thread's connection

        return await run_in_threadpool(call)

    async def _input(self, request: Request) -> HttpInput:
        form: dict[str, str] = {}
        if request.method == "POST":
            body = await request.body()
            if len(body) > MAX_FORM:
                raise ValueError("request too large")
            if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                from urllib.parse import parse_qsl

                form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        # Authlib sees the public address (behind the TLS proxy), never the loopback one.
        uri = self.platform.settings.issuer + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return HttpInput(request.method, uri, request.headers, dict(request.query_params), form)

    # -- metadata ----------------------------------------------------------------------------------

    async def configuration(self, request: Request) -> Response:
        return JSONResponse(discovery(self.platform))

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(await self._run(keys.published, self.platform))

    # -- protocol endpoints (Authlib) -----------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        http = await self._input(request)
        response: Response = await self._run(self.provider.create_token_response, http)
        return response

    async def device_authorization(self, request: Request) -> Response:
        http = await self._input(request)

        def work() -> Response:
            if not self._request_allowed(source_of(request)):
                return JSONResponse({"error": "slow_down", "error_description": "Too many requests from this address."},
                                    status_code=429)
            response: Response = self.provider.create_endpoint_response("device_authorization", http)
            return response

        return await self._run(work)

    def _request_allowed(self, source: str) -> bool:
        """Unauthenticated requests that write a pending request are limited per address."""
        from immo_connect.accounts import ratelimit

        web = self.platform.settings.web
        now = self.platform.clock.now()
        subject = ratelimit.subject(self.platform.settings.secret_key, "sso-request", source)
        window = dt.timedelta(minutes=web.request_window_minutes)
        if ratelimit.count("sso_request", subject, now - window) >= web.requests_per_source:
            self.provider.refuse("sso.request", "", "rate_limited")
            return False
        with transaction():
            ratelimit.hit("sso_request", subject, now)
        return True

    async def revoke(self, request: Request) -> Response:
        http = await self._input(request)
        response: Response = await self._run(self.provider.create_endpoint_response, "revocation", http)
        return response

    async def introspect(self, request: Request) -> Response:
        http = await self._input(request)
        response: Response = await self._run(self.provider.create_endpoint_response, "introspection", http)
        return response

    # -- the authorization endpoint: a one-time link, or a code to approve in the terminal UI -------

    async def authorize(self, request: Request) -> Response:
        http = await self._input(request)
        return await self._run(self._authorize, http, source_of(request))

    def _consent(self, http: HttpInput) -> tuple[Any, Response | None]:
        """Authlib's validation of the request; an error answer when it is not acceptable."""
        try:
            return self.provider.get_consent_grant(http), None
        except OAuth2Error as error:
            self.provider.refuse("sso.authorize", http.query.get("client_id", "")[:64], error.error)
            if error.redirect_uri:
                return None, self.provider.handle_error_response(None, error)
            return None, pages.error(_("Sign-in refused"), _("The tool sent an invalid request ({error}). "
                                                            "Contact the tool's support.").format(error=error.error))

    def _authorize(self, http: HttpInput, source: str = "") -> Response:
        grant, refused = self._consent(http)
        if refused is not None:
            return refused
        client_id = grant.client.get_client_id()
        hint = http.query.get("login_hint", "")
        notice = ""
        if hint:
            sign_in = self._use_link(hint, client_id)
            if sign_in is not None:
                if ACR_EID in http.query.get("acr_values", "").split() and not sign_in.eid_linked:
                    self.provider.refuse("sso.authorize", client_id, "eid_required", sign_in)
                    error = AccessDeniedError("This tool requires an account with a linked eID.",
                                              redirect_uri=grant.redirect_uri, state=http.query.get("state"))
                    denied: Response = self.provider.handle_error_response(None, error)
                    return denied
                try:
                    live = self.provider.live_sign_in(int(sign_in.id))
                except OAuth2Error:
                    self.provider.refuse("sso.authorize", client_id, "access_removed", sign_in)
                    error = AccessDeniedError(redirect_uri=grant.redirect_uri, state=http.query.get("state"))
                    removed: Response = self.provider.handle_error_response(None, error)
                    return removed
                response: Response = self.provider.create_authorization_response(http, grant_user=live, grant=grant)
                return response
            notice = _("This sign-in link has expired or was already used. Sign in with a code instead:")
        if not self._request_allowed(source):
            return pages.error(_("Too many sign-in requests"), _("Wait a few minutes, then try again."), status=429)
        browser_key = secrets.token_urlsafe(32)
        query = urlencode({k: v for k, v in http.query.items() if k != "login_hint"})
        _row, _user_code = self.platform.sso.create_request(
            "browser", client_id, grant.client.get_allowed_scope(http.query.get("scope")),
            browser_key=browser_key, query=query, acr_values=http.query.get("acr_values", ""))
        if notice:
            return RedirectResponse(f"/authorize/wait/{browser_key}?expired_link=1", status_code=303)
        return RedirectResponse(f"/authorize/wait/{browser_key}", status_code=303)

    def _use_link(self, token: str, client_id: str) -> ToolSignIn | None:
        """Claim a one-time sign-in link for ``client_id``: its sign-in, or ``None`` (audited)."""
        now = self.platform.clock.now()
        link: SignInLink | None = SignInLink.get_or_none(SignInLink.token_hash == digest(token))
        sign_in: ToolSignIn | None = ToolSignIn.get_or_none(ToolSignIn.id == link.sign_in_id) if link else None
        reason = ""
        if link is None or sign_in is None:
            reason = "unknown_link"
        elif sign_in.client_id != client_id:
            reason = "link_for_another_tool"
        elif link.expires_at <= now:
            reason = "link_expired"
        elif not SignInLink.update(used_at=now).where(
                (SignInLink.id == link.id) & SignInLink.used_at.is_null()).execute():
            reason = "link_used"
        if reason:
            self.provider.refuse("sso.link", client_id, reason, sign_in)
            return None
        assert sign_in is not None
        with transaction():
            audit.record("sso.link_used", actor_id=int(sign_in.account_id), organisation_id=int(sign_in.organisation_id),
                         target=f"tool:{client_id}/{sign_in.mode}", source=self.platform.source,
                         detail={"sign_in_id": sign_in.id})
        return sign_in

    async def authorize_wait(self, request: Request) -> Response:
        key = request.path_params["key"]
        expired_link = request.query_params.get("expired_link") == "1"
        return await self._run(self._wait, key, expired_link)

    def _wait(self, key: str, expired_link: bool) -> Response:
        row: PendingRequest | None = PendingRequest.get_or_none(
            (PendingRequest.browser_key_hash == digest(key)) & (PendingRequest.kind == "browser"))
        if row is None or row.status == "used":
            return pages.error(_("Sign-in request unknown"), _("Go back to the tool and sign in again."), status=404)
        http = HttpInput("GET", f"{self.platform.settings.issuer}/authorize?{row.query}", {},
                         dict(_pairs(row.query)), {})
        grant, refused = self._consent(http)
        if refused is not None:
            return refused
        if row.status == "refused":
            error = AccessDeniedError(redirect_uri=grant.redirect_uri, state=http.query.get("state"))
            refusal: Response = self.provider.handle_error_response(None, error)
            return refusal
        if row.expires_at <= self.platform.clock.now():
            return pages.error(_("Sign-in request expired"), _("Go back to the tool and sign in again."), status=410)
        if row.status == "approved":
            if not PendingRequest.update(status="used").where(
                    (PendingRequest.id == row.id) & (PendingRequest.status == "approved")).execute():
                return pages.error(_("Sign-in request unknown"), _("Go back to the tool and sign in again."), status=404)
            try:
                live = self.provider.live_sign_in(int(row.sign_in_id or 0))
            except OAuth2Error:
                error = AccessDeniedError(redirect_uri=grant.redirect_uri, state=http.query.get("state"))
                gone: Response = self.provider.handle_error_response(None, error)
                return gone
            response: Response = self.provider.create_authorization_response(http, grant_user=live, grant=grant)
            return response
        notice = _("This sign-in link has expired or was already used. Sign in with a code instead:") if expired_link else ""
        return pages.enter_code(_(grant.client.tool.title), format_user_code(row.user_code), notice=notice)

    async def link(self, request: Request) -> Response:
        """A one-time sign-in link: on to the tool's ``initiate_login_uri`` (third-party initiated login)."""
        token = request.path_params["token"]
        return await self._run(self._link, token)

    def _link(self, token: str) -> Response:
        link: SignInLink | None = SignInLink.get_or_none(SignInLink.token_hash == digest(token))
        sign_in: ToolSignIn | None = ToolSignIn.get_or_none(ToolSignIn.id == link.sign_in_id) if link else None
        tool = self.platform.sso.client(str(sign_in.client_id)) if sign_in else None
        if link is None or tool is None or tool.web_client is None or link.used_at is not None \
                or link.expires_at <= self.platform.clock.now():
            return pages.error(_("Sign-in link expired"), _("This link has expired or was already used. "
                                                             "Make a new one in Immo-Connect."), status=410)
        target = tool.web_client.initiate_login_uri
        separator = "&" if "?" in target else "?"
        params = urlencode({"iss": self.platform.settings.issuer, "login_hint": token})
        return RedirectResponse(f"{target}{separator}{params}", status_code=303)

    async def device_page(self, request: Request) -> Response:
        return pages.device_help()

    # -- the rest ------------------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    async def webhook(self, request: Request) -> Response:
        """``POST /webhooks/payments/<method>`` (see :mod:`immo_connect.payments.webhook`)."""
        from immo_connect.payments.webhook import endpoint

        return await endpoint(request, self.platform)


def source_of(request: Request) -> str:
    """The caller's address (uvicorn puts the proxy's X-Forwarded-For there)."""
    return request.client.host if request.client else ""


def _pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)


def create_app(platform: Platform) -> Starlette:
    """The Starlette application of ``immo-connect web``."""
    from immo_connect.web.api import WalletApi
    from immo_connect.web.eid import EidEndpoints

    web = WebApp(platform)
    api = WalletApi(web)
    eid = EidEndpoints(web)
    routes = [
        Route("/.well-known/openid-configuration", web.configuration),
        Route("/jwks", web.jwks),
        Route("/authorize", web.authorize),
        Route("/authorize/wait/{key}", web.authorize_wait),
        Route("/link/{token}", web.link),
        Route("/device", web.device_page),
        Route("/token", web.token, methods=["POST"]),
        Route("/device_authorization", web.device_authorization, methods=["POST"]),
        Route("/revoke", web.revoke, methods=["POST"]),
        Route("/introspect", web.introspect, methods=["POST"]),
        Route("/userinfo", api.userinfo, methods=["GET", "POST"]),
        Route("/api/wallet", api.balance),
        Route("/api/wallet/charges", api.charge, methods=["POST"]),
        Route("/webhooks/payments/{method}", web.webhook, methods=["POST"]),
        Route("/health", web.health),
        Route("/eid/web-eid.js", eid.web_eid_script),
        Route("/eid/web/{code}", eid.web_eid_page),
        Route("/eid/web/{code}/token", eid.web_eid_token, methods=["POST"]),
        Route("/eid/{code}", eid.challenge),
        Route("/eid/{code}/answer", eid.answer, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.web = web
    return app
