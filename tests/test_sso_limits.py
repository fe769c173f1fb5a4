"""Unauthenticated requests that write a pending request are limited per address."""

from __future__ import annotations

from pathlib import Path

from immo_connect import audit
from immo_connect.clock import FrozenClock
from immo_connect.web.serve import listen
from tests.support.web import Site, build_platform, pkce, serving, web_config


def test_device_and_browser_requests_are_limited_per_address(tmp_path: Path, clock: FrozenClock) -> None:
    listener = listen("127.0.0.1", 0)
    issuer = f"http://127.0.0.1:{listener.getsockname()[1]}"
    config = web_config(issuer).replace("[web]\n", "[web]\nrequests_per_source = 3\n")
    platform = build_platform(tmp_path, clock, None, config)
    _verifier, challenge = pkce()
    params = {"response_type": "code", "client_id": "myrentpro", "redirect_uri": "http://127.0.0.1:8481/callback",
              "scope": "openid", "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"}
    with serving(platform, listener), Site(platform, issuer).client() as http:
        for _attempt in range(2):
            assert http.post("/device_authorization", data={"client_id": "myrentpro"}).status_code == 200
        assert http.get("/authorize", params=params).status_code == 303
        assert http.post("/device_authorization", data={"client_id": "myrentpro"}).status_code == 429
        refused = http.get("/authorize", params=params)
        assert refused.status_code == 429 and "Trop de demandes de connexion" in refused.text
        clock.advance(minutes=11)
        assert http.post("/device_authorization", data={"client_id": "myrentpro"}).status_code == 200
    assert len(list(audit.query(audit.AuditFilter(action="sso.request", outcome="refused")))) == 2
    platform.database.close()
