"""``private_key_jwt``: a tool declares its public keys and signs an assertion instead of
holding a shared secret (RFC 7523); each assertion is accepted once."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from immo_connect.clock import FrozenClock
from immo_connect.web.serve import listen
from tests.support.web import Site, agency_with_myrentpro, build_platform, serving, web_config

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOOL_KEY = RSAKey.generate_key(2048, parameters={"kid": "tool-1", "alg": "RS256", "use": "sig"})


@pytest.fixture
def site(tmp_path: Path, clock: FrozenClock) -> Iterator[Site]:
    listener = listen("127.0.0.1", 0)
    issuer = f"http://127.0.0.1:{listener.getsockname()[1]}"
    jwks = json.dumps({"keys": [TOOL_KEY.as_dict(private=False)]})
    platform = build_platform(tmp_path, clock, None, web_config(issuer) + f"jwks = '{jwks}'\n")
    with serving(platform, listener):
        yield Site(platform, issuer)
    platform.database.close()


def assertion(site: Site, key: RSAKey = TOOL_KEY, jti: str | None = None) -> str:
    now = int(time.time())
    claims = {"iss": "myrentpro", "sub": "myrentpro", "aud": f"{site.issuer}/token", "iat": now, "exp": now + 60,
              "jti": jti or secrets.token_urlsafe(12)}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def test_a_signed_assertion_authenticates_the_tool_once(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    with site.client() as http:
        asked = http.post("/device_authorization", data={
            "scope": "openid offline_access", "client_assertion_type": ASSERTION, "client_assertion": assertion(site)}).json()
        platform.sso.approve(agency.manager, asked["user_code"], agency.organisation.id, "manager")
        signed = assertion(site)
        token = http.post("/token", data={"grant_type": DEVICE, "device_code": asked["device_code"],
                                          "client_assertion_type": ASSERTION, "client_assertion": signed})
        assert token.status_code == 200, token.text
        replayed = http.post("/token", data={"grant_type": "refresh_token", "refresh_token": token.json()["refresh_token"],
                                             "client_assertion_type": ASSERTION, "client_assertion": signed})
        assert replayed.json()["error"] == "invalid_client"
        other_key = RSAKey.generate_key(2048, parameters={"kid": "tool-1"})
        forged = http.post("/token", data={"grant_type": "refresh_token", "refresh_token": token.json()["refresh_token"],
                                           "client_assertion_type": ASSERTION,
                                           "client_assertion": assertion(site, other_key)})
        assert forged.json()["error"] == "invalid_client"
        # Without an assertion the tool is refused: it has no secret and is no public client.
        bare = http.post("/token", data={"grant_type": "refresh_token", "client_id": "myrentpro",
                                         "refresh_token": token.json()["refresh_token"]})
        assert bare.json()["error"] == "invalid_client"
        refreshed = http.post("/token", data={"grant_type": "refresh_token", "refresh_token": token.json()["refresh_token"],
                                              "client_assertion_type": ASSERTION, "client_assertion": assertion(site)})
        assert refreshed.status_code == 200, refreshed.text
