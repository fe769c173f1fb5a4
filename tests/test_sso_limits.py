"""Unauthenticated requests that write a pending request are limited per address."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_web_rotate_key_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    from immo_connect.cli import main
    from immo_connect.oidc.models import SigningKey

    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    url = f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    assert main(["--database-url", url, "web-rotate-key"]) == 0
    assert main(["--database-url", url, "web-rotate-key"]) == 0
    out = capsys.readouterr().out
    assert out.count("Les jetons d'identité sont désormais signés avec la clé") == 2
    rows = list(SigningKey.select().order_by(SigningKey.id))
    assert len(rows) == 2 and rows[0].retired_at is not None and rows[1].retired_at is None
    assert rows[1].kid in out and b"PRIVATE" not in bytes(rows[1].private_sealed)
