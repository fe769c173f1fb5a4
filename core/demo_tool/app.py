"""The example web tool (``immo-connect demo-tool``): what a vendor writes to sign people in
with Immo-Connect and charge the organisation's wallet.

It uses only the provider's published endpoints (discovery, authorization, token, device
authorization, JWKS, wallet API) through Authlib's OAuth 2.0 client, never the platform's
code or database: vendors copy it (docs/vendor-web-tool.md). Its own sessions live in its
process memory, as a small web application's would.
"""

from __future__ import annotations

import dataclasses
import html
import secrets
import threading
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2 import OAuth2Error
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from immo_connect import formatting
from immo_connect.i18n import _

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SCOPE = "openid profile email quality wallet offline_access"
COOKIE = "demo_tool_session"
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


@dataclasses.dataclass
class Settings:
    issuer: str  # the provider, e.g. http://127.0.0.1:8470
    client_id: str  # the tool's name at the provider
    public_url: str  # where this tool is reached, e.g. http://127.0.0.1:8481
    client_secret: str = ""  # empty: a public client (PKCE only)
    charge_action: str = "rental_file"


@dataclasses.dataclass
class Visitor:
    """One browser: its sign-in in progress, then its tokens and claims."""

    state: str = ""
    nonce: str = ""
    verifier: str = ""
    device_code: str = ""
    user_code: str = ""
    token: dict[str, Any] | None = None
    claims: dict[str, Any] | None = None
    message: str = ""


class DemoTool:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.visitors: dict[str, Visitor] = {}
        self.lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    # -- the provider, from its published metadata ---------------------------------------------

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            answer = httpx.get(f"{self.settings.issuer}/.well-known/openid-configuration", timeout=10)
            answer.raise_for_status()
            self._metadata = dict(answer.json())
        return self._metadata

    def client(self) -> OAuth2Client:
        return OAuth2Client(
            self.settings.client_id, self.settings.client_secret or None, scope=SCOPE,
            redirect_uri=f"{self.settings.public_url}/callback", code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if self.settings.client_secret else "none",
            timeout=10,
        )

    def keys(self, kid: str) -> KeySet:
        """The provider's JWKS, fetched again only when a token names a key not seen yet (rotation)."""
        if self._keys is None or kid not in {key.kid for key in self._keys.keys}:
            self._keys = KeySet.import_key_set(httpx.get(self.metadata()["jwks_uri"], timeout=10).json())
        return self._keys

    def verify(self, raw: str, *, nonce: str | None = None, typ: str | None = None) -> dict[str, Any]:
        """An ID or logout token checked as OpenID Connect asks: signature (JWKS), iss, aud, exp, nonce."""
        kid = str(jws.extract_compact(raw.encode("ascii")).protected.get("kid", ""))
        token = jwt.decode(raw, self.keys(kid), algorithms=["RS256"])
        if typ is not None and token.header.get("typ") != typ:
            raise ValueError("unexpected token type")
        registry = jwt.JWTClaimsRegistry(
            leeway=60,  # clocks of two servers differ a little
            iss={"essential": True, "value": self.settings.issuer},
            aud={"essential": True, "value": self.settings.client_id},
        )
        registry.validate(token.claims)
        if nonce is not None and token.claims.get("nonce") != nonce:
            raise ValueError("the nonce does not match")
        return dict(token.claims)

    # -- sessions --------------------------------------------------------------------------------

    def visitor(self, request: Request) -> tuple[str, Visitor]:
        key = request.cookies.get(COOKIE, "")
        with self.lock:
            if key not in self.visitors:
                key = secrets.token_urlsafe(24)
                self.visitors[key] = Visitor()
            return key, self.visitors[key]

    def _with_cookie(self, response: Response, key: str) -> Response:
        response.set_cookie(COOKIE, key, httponly=True, samesite="lax")
        return response

    def _signed_in(self, visitor: Visitor, token: dict[str, Any], nonce: str | None) -> None:
        visitor.claims = self.verify(token["id_token"], nonce=nonce)
        visitor.token = token
        visitor.message = ""

    # -- pages -----------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        key, visitor = self.visitor(request)
        return self._with_cookie(await _threaded(self._home, visitor), key)

    def _home(self, visitor: Visitor) -> Response:
        message = f"<p id='message'>{html.escape(visitor.message)}</p>" if visitor.message else ""
        if visitor.claims is None:
            body = message + (
                f"<p><a id='sign-in' href='/start'>{html.escape(_('Sign in with Immo-Connect'))}</a></p>"
                f"<p><a id='sign-in-code' href='/device'>{html.escape(_('Sign in with a code'))}</a></p>")
            return _page(self.settings.client_id, body)
        claims = visitor.claims
        who = _("Signed in: {name} — {organisation}, {mode}").format(
            name=claims.get("name", claims["sub"]), organisation=claims.get("organisation", {}).get("name", ""),
            mode=claims.get("usage_mode", {}).get("title", ""))
        balance = self._balance(visitor)
        body = (f"<p id='who'>{html.escape(who)}</p>" + message
                + (f"<p id='balance'>{html.escape(balance)}</p>" if balance else "")
                + "<form method='post' action='/charge'><button id='charge' type='submit'>"
                + html.escape(_("Charge a rental file to the wallet")) + "</button></form>"
                + "<form method='post' action='/logout'><button id='sign-out' type='submit'>"
                + html.escape(_("Sign out")) + "</button></form>")
        return _page(self.settings.client_id, body)

    def _balance(self, visitor: Visitor) -> str:
        assert visitor.token is not None
        answer = httpx.get(self.metadata()["wallet_endpoint"], timeout=10,
                           headers={"Authorization": f"Bearer {visitor.token['access_token']}"})
        if answer.status_code != 200:
            return ""
        cents = int(answer.json()["balance_cents"])
        return _("Wallet balance: {amount}").format(amount=formatting.money(cents))

    # -- authorization code flow (also reached by a one-time sign-in link) ----------------------------

    async def start(self, request: Request) -> Response:
        key, visitor = self.visitor(request)
        return self._with_cookie(await _threaded(self._start, visitor, ""), key)

    async def initiate_login(self, request: Request) -> Response:
        """Third-party initiated login: the provider sends the browser here with ``iss`` and ``login_hint``."""
        key, visitor = self.visitor(request)
        if request.query_params.get("iss") != self.settings.issuer:
            return PlainTextResponse("unknown issuer", status_code=400)
        hint = request.query_params.get("login_hint", "")
        return self._with_cookie(await _threaded(self._start, visitor, hint), key)

    def _start(self, visitor: Visitor, login_hint: str) -> Response:
        visitor.state, visitor.nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        visitor.verifier = secrets.token_urlsafe(48)
        extra = {"login_hint": login_hint} if login_hint else {}
        with self.client() as client:
            url, _state = client.create_authorization_url(
                self.metadata()["authorization_endpoint"], state=visitor.state,
                code_verifier=visitor.verifier, nonce=visitor.nonce, **extra)
        return RedirectResponse(url, status_code=303)

    async def callback(self, request: Request) -> Response:
        key, visitor = self.visitor(request)
        return self._with_cookie(await _threaded(self._callback, visitor, dict(request.query_params)), key)

    def _callback(self, visitor: Visitor, query: dict[str, str]) -> Response:
        if query.get("state") != visitor.state or not visitor.state:
            visitor.message = _("This sign-in did not start here; try again.")
        elif "error" in query:
            visitor.message = _("Sign-in refused ({error}).").format(error=query["error"])
        else:
            try:
                with self.client() as client:
                    token = client.fetch_token(self.metadata()["token_endpoint"], code=query.get("code", ""),
                                               code_verifier=visitor.verifier, grant_type="authorization_code")
                self._signed_in(visitor, dict(token), visitor.nonce)
            except (OAuth2Error, ValueError) as error:
                visitor.message = _("Sign-in failed ({error}).").format(error=getattr(error, "error", error))
        visitor.state = ""
        return RedirectResponse("/", status_code=303)

    # -- device authorization grant ---------------------------------------------------------------

    async def device(self, request: Request) -> Response:
        key, visitor = self.visitor(request)
        return self._with_cookie(await _threaded(self._device, visitor), key)

    def _device(self, visitor: Visitor) -> Response:
        if visitor.claims is not None:
            return RedirectResponse("/", status_code=303)
        if not visitor.device_code:
            data = {"client_id": self.settings.client_id, "scope": SCOPE}
            auth = (self.settings.client_id, self.settings.client_secret) if self.settings.client_secret else None
            answer = httpx.post(self.metadata()["device_authorization_endpoint"], data=data, auth=auth, timeout=10)
            answer.raise_for_status()
            visitor.device_code, visitor.user_code = answer.json()["device_code"], answer.json()["user_code"]
        else:
            try:
                with self.client() as client:
                    token = client.fetch_token(self.metadata()["token_endpoint"], grant_type=DEVICE_GRANT,
                                               device_code=visitor.device_code, client_id=self.settings.client_id)
                visitor.device_code = ""
                self._signed_in(visitor, dict(token), None)
                return RedirectResponse("/", status_code=303)
            except OAuth2Error as error:
                if error.error not in ("authorization_pending", "slow_down"):
                    visitor.device_code = ""
                    visitor.message = _("Sign-in refused ({error}).").format(error=error.error)
                    return RedirectResponse("/", status_code=303)
        body = (f"<p>{html.escape(_('Type this code in Immo-Connect, « Connect a tool »:'))}</p>"
                f"<p id='user-code' style='font-size:2em;font-family:monospace'>{html.escape(visitor.user_code)}</p>")
        return _page(self.settings.client_id, body, refresh_seconds=5)

    # -- using the sign-in ----------------------------------------------------------------------------

    async def charge(self, request: Request) -> Response:
        key, visitor = self.visitor(request)
        return self._with_cookie(await _threaded(self._charge, visitor), key)

    def _charge(self, visitor: Visitor) -> Response:
        if visitor.token is None:
            return RedirectResponse("/", status_code=303)
        answer = httpx.post(
            f"{self.metadata()['wallet_endpoint']}/charges", timeout=10,
            headers={"Authorization": f"Bearer {visitor.token['access_token']}"},
            json={"action": self.settings.charge_action, "description": _("Rental file"),
                  "idempotency_key": secrets.token_urlsafe(16)})
        body = answer.json()
        visitor.message = (_("Charged: {amount} cents.").format(amount=body["transaction"]["amount_cents"])
                           if answer.status_code == 201 else body.get("message", body.get("error", "")))
        return RedirectResponse("/", status_code=303)

    async def logout(self, request: Request) -> Response:
        key, visitor = self.visitor(request)
        if visitor.token is not None:
            token = visitor.token.get("refresh_token") or visitor.token["access_token"]
            await _threaded(self._revoke, token)
        with self.lock:
            self.visitors[key] = Visitor(message=_("You are signed out."))
        return RedirectResponse("/", status_code=303)

    def _revoke(self, token: str) -> None:
        auth = (self.settings.client_id, self.settings.client_secret) if self.settings.client_secret else None
        data = {"token": token} | ({} if auth else {"client_id": self.settings.client_id})
        httpx.post(self.metadata()["revocation_endpoint"], data=data, auth=auth, timeout=10)

    async def backchannel_logout(self, request: Request) -> Response:
        """The provider says a sign-in ended: forget every visitor of that session (``sid``)."""
        from urllib.parse import parse_qs

        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        raw = form.get("logout_token", [""])[0]
        try:
            claims = await _threaded(self.verify, raw, typ="logout+jwt")
        except (JoseError, ValueError):
            return PlainTextResponse("invalid logout token", status_code=400)
        if LOGOUT_EVENT not in claims.get("events", {}) or "nonce" in claims:
            return PlainTextResponse("not a logout token", status_code=400)
        with self.lock:
            for key, visitor in list(self.visitors.items()):
                if visitor.claims is not None and visitor.claims.get("sid") == claims.get("sid"):
                    self.visitors[key] = Visitor(message=_("Your sign-in was ended in Immo-Connect."))
        return PlainTextResponse("ok")


async def _threaded(function: Any, *args: Any, **kwargs: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args, **kwargs)


def _page(title: str, body: str, *, refresh_seconds: int | None = None) -> HTMLResponse:
    refresh = f'<meta http-equiv="refresh" content="{refresh_seconds}">' if refresh_seconds else ""
    return HTMLResponse(
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8">{refresh}<title>{html.escape(title)}</title>'
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>", headers={"Cache-Control": "no-store"})


def create_app(settings: Settings) -> Starlette:
    tool = DemoTool(settings)
    app = Starlette(routes=[
        Route("/", tool.home),
        Route("/start", tool.start),
        Route("/login", tool.initiate_login),
        Route("/callback", tool.callback),
        Route("/device", tool.device),
        Route("/charge", tool.charge, methods=["POST"]),
        Route("/logout", tool.logout, methods=["POST"]),
        Route("/backchannel-logout", tool.backchannel_logout, methods=["POST"]),
    ])
    app.state.tool = tool
    return app

