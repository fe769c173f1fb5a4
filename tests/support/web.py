"""``immo-connect web`` served for real on a loopback port, in a thread of the test process."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet

from immo_connect import i18n
from immo_connect.clock import Clock
from immo_connect.config import load_settings
from immo_connect.platform import Platform, create_platform
from immo_connect.web.serve import listen, make_server
from tests.support.tools import make_agency, registers_config

SECRET = "myrentpro-test-secret-0123456789"


@dataclasses.dataclass
class Site:
    platform: Platform
    issuer: str

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.issuer, timeout=10, follow_redirects=False)


def web_config(issuer: str, *, secret_env: str | None = None, logout_uri: str | None = None,
               tool_url: str | None = None) -> str:
    text = registers_config() + f'\n[web]\nissuer = "{issuer}"\n\n[plugins.myrentpro]\n'
    if tool_url:
        text += (f'redirect_uris = ["{tool_url}/callback"]\ninitiate_login_uri = "{tool_url}/login"\n'
                 f'backchannel_logout_uri = "{tool_url}/backchannel-logout"\n')
    if secret_env:
        text += f'client_secret = {{ env = "{secret_env}" }}\n'
    if logout_uri:
        text += f'backchannel_logout_uri = "{logout_uri}"\n'
    return text


@contextmanager
def serving(platform: Platform, listener: Any) -> Iterator[None]:
    server = make_server(platform)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()  # the socket listens already: requests wait in its backlog until uvicorn runs
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


def build_platform(tmp_path: Path, clock: Clock, url: str | None, config_text: str,
                   environ: dict[str, str] | None = None, *, source: str = "web") -> Platform:
    """A platform like the ``make_platform`` fixture's, with extra environment (client secrets)."""
    config = tmp_path / "plugins.toml"
    config.write_text(config_text)
    env = {"IMMO_CONNECT_DATA_DIR": str(tmp_path / "data"), **(environ or {})}
    settings = load_settings(config, environ=env, database_url=url or f"sqlite:///{tmp_path / 'immo.sqlite3'}")
    return create_platform(settings, environ=env, load_entrypoints=False, clock=clock, source=source)


@contextmanager
def running_site(tmp_path: Path, clock: Clock, url: str | None = None, *, secret: bool = False,
                 logout_uri: str | None = None, tool_listener: Any = None) -> Iterator[Site]:
    listener = listen("127.0.0.1", 0)
    issuer = f"http://127.0.0.1:{listener.getsockname()[1]}"
    environ = {"IMMO_TEST_MYRENTPRO_SECRET": SECRET} if secret else {}
    platform = build_platform(tmp_path, clock, url,
                              web_config(issuer, secret_env="IMMO_TEST_MYRENTPRO_SECRET" if secret else None,
                                         logout_uri=logout_uri, tool_url=tool_url(tool_listener)), environ)
    try:
        with serving(platform, listener):
            yield Site(platform, issuer)
    finally:
        if not platform.database.is_closed():
            platform.database.close()
        i18n.set_language("fr")


def agency_with_myrentpro(platform: Platform) -> Any:
    """An agency registered for MyRent Pro; its manager holds the "user" role and a wallet."""
    agency = make_agency(platform)
    platform.tools.register(agency.manager, agency.organisation.id, "myrentpro", "manager")
    return agency


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def verify_id_token(site: Site, token: str, audience: str = "myrentpro") -> dict[str, Any]:
    """Verify an ID token as a client does: signature against the published JWKS, then the claims."""
    with site.client() as http:
        jwks = KeySet.import_key_set(http.get("/jwks").json())
    decoded = jwt.decode(token, jwks, algorithms=["RS256"])
    claims = dict(decoded.claims)
    assert claims["iss"] == site.issuer and claims["aud"] == audience
    return claims


class LogoutReceiver:
    """A tool's back-channel logout endpoint on loopback: records the logout tokens it gets."""

    def __init__(self, port: int = 0) -> None:
        import http.server
        from urllib.parse import parse_qs

        self.tokens: list[str] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                with receiver.arrived:
                    receiver.tokens += parse_qs(body).get("logout_token", [])
                    receiver.arrived.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}/backchannel-logout"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 10) -> list[str]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.tokens) >= count, timeout)
        return list(self.tokens)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def logout_notices_sent(timeout: float = 10) -> None:
    """Wait until the back-channel logout notices started after a commit have been attempted."""
    from immo_connect.oidc.logout import THREAD_NAME

    for thread in threading.enumerate():
        if thread.name == THREAD_NAME:
            thread.join(timeout)


def tool_url(listener: Any) -> str | None:
    return f"http://127.0.0.1:{listener.getsockname()[1]}" if listener is not None else None


@contextmanager
def running_demo_tool(site: Site, listener: Any, *, secret: str = "") -> Iterator[str]:
    """The example web tool (``immo-connect demo-tool``) on ``listener``, for MyRent Pro."""
    import uvicorn

    from immo_connect.demo_tool.app import Settings, create_app

    url = tool_url(listener)
    assert url is not None
    settings = Settings(issuer=site.issuer, client_id="myrentpro", public_url=url, client_secret=secret)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()
