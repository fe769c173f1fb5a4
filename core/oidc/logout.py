"""OpenID Connect Back-Channel Logout: tell a tool that one of its sign-ins ended.

The provider POSTs ``logout_token=<JWT>`` (``typ: logout+jwt``, claims ``iss``, ``aud``,
``iat``, ``exp``, ``jti``, ``sub``, ``sid`` and the back-channel logout event, never a
``nonce``) to the tool's ``backchannel_logout_uri``. The sign-in is already ended in the
database when this runs (its tokens no longer work), so a tool that cannot be reached loses
nothing but the early notice; the attempt and its result are logged.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from joserfc import jwt

from immo_connect.oidc import keys
from immo_connect.oidc.models import ToolSignIn

if TYPE_CHECKING:
    from immo_connect.platform import Platform

log = logging.getLogger("immo_connect.oidc.logout")

EVENT = "http://schemas.openid.net/event/backchannel-logout"


def logout_token(platform: Platform, sign_in: ToolSignIn) -> str:
    key = keys.signing_key(platform)
    now = int(platform.clock.now().timestamp())
    claims: dict[str, Any] = {
        "iss": platform.settings.issuer, "aud": str(sign_in.client_id), "iat": now, "exp": now + 120,
        "jti": secrets.token_urlsafe(16), "sub": platform.sso.subject(int(sign_in.account_id)),
        "sid": str(sign_in.sid), "events": {EVENT: {}},
    }
    return jwt.encode({"alg": keys.ALGORITHM, "kid": key.kid, "typ": "logout+jwt"}, claims, key)


def _deliveries(platform: Platform, sign_ins: Iterable[ToolSignIn]) -> list[tuple[str, str, str]]:
    result = []
    for sign_in in sign_ins:
        tool = platform.sso.client(str(sign_in.client_id))
        uri = tool.web_client.backchannel_logout_uri if tool and tool.web_client else ""
        if uri:
            result.append((str(sign_in.client_id), uri, logout_token(platform, sign_in)))
    return result


def send(deliveries: list[tuple[str, str, str]], timeout: float) -> None:
    import httpx

    for client_id, uri, token in deliveries:
        try:
            response = httpx.post(uri, data={"logout_token": token}, timeout=timeout)
            log.info("back-channel logout to %s: HTTP %s", client_id, response.status_code)
        except httpx.HTTPError as error:
            log.warning("back-channel logout to %s failed: %s", client_id, type(error).__name__)


def notify_tools(platform: Platform, sign_ins: list[ToolSignIn], *, wait: bool = False) -> threading.Thread | None:
    """Tell the tools in a background thread (the person never waits for a tool)."""
    deliveries = _deliveries(platform, sign_ins)
    if not deliveries:
        return None
    thread = threading.Thread(target=send, args=(deliveries, platform.settings.web.logout_timeout_seconds),
                              name="backchannel-logout", daemon=True)
    thread.start()
    if wait:
        thread.join()
    return thread
