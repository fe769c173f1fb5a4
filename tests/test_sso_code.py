"""The authorization code flow with PKCE over real HTTP: the one-time sign-in link of the
terminal UI, a browser approved by code, refresh rotation, revocation, introspection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from immo_connect import audit
from immo_connect.clock import FrozenClock
from tests.support.web import SECRET, Site, agency_with_myrentpro, pkce, running_site, verify_id_token

REDIRECT = "http://127.0.0.1:8481/callback"


@pytest.fixture
def site(tmp_path: Path, clock: FrozenClock, database_url: str) -> Iterator[Site]:
    with running_site(tmp_path, clock, database_url, secret=True) as site:
        yield site


def _authorize_params(challenge: str, **extra: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": "myrentpro", "redirect_uri": REDIRECT,
            "scope": "openid profile email quality wallet offline_access", "state": "st-1", "nonce": "n-1",
            "code_challenge": challenge, "code_challenge_method": "S256", **extra}


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _exchange(http: httpx.Client, code: str, verifier: str) -> httpx.Response:
    return http.post("/token", auth=("myrentpro", SECRET), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier})


def _link_sign_in(site: Site, agency: Any, http: httpx.Client) -> tuple[dict[str, Any], str]:
    """Follow a one-time link as the tool does; the token answer and the verifier."""
    platform = site.platform
    context = platform.tools.start(agency.manager, "myrentpro", agency.organisation.id, "manager")
    link = platform.sso.create_link(agency.manager, context)
    assert link.url.startswith(f"{site.issuer}/link/")
    landed = http.get(urlsplit(link.url).path)
    assert landed.status_code == 303
    initiate = landed.headers["location"]
    assert initiate.startswith("http://127.0.0.1:8481/login?")
    hint = _query(initiate)
    assert hint["iss"] == site.issuer
    verifier, challenge = pkce()
    answer = http.get("/authorize", params=_authorize_params(challenge, login_hint=hint["login_hint"]))
    assert answer.status_code == 302, answer.text
    back = _query(answer.headers["location"])
    assert answer.headers["location"].startswith(REDIRECT) and back["state"] == "st-1"
    token = _exchange(http, back["code"], verifier)
    assert token.status_code == 200, token.text
    return token.json(), back["code"]


def test_one_time_link_signs_in_once_and_the_id_token_carries_nonce_and_quality(site: Site) -> None:
    agency = agency_with_myrentpro(site.platform)
    with site.client() as http:
        token, code = _link_sign_in(site, agency, http)
        claims = verify_id_token(site, token["id_token"])
        assert claims["nonce"] == "n-1" and claims["organisation"]["name"] == "Agence du Parc"
        info = http.get("/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"})
        assert info.status_code == 200 and info.json()["sub"] == claims["sub"]
        # The code is single use: presenting it again ends the sign-in (its tokens stop working).
        again = _exchange(http, code, "x" * 43)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
        info = http.get("/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"})
        assert info.status_code == 401
    assert [e.action for e in audit.query(audit.AuditFilter(action="sso.code_reused"))] == ["sso.code_reused"]


def test_a_used_or_expired_link_falls_back_to_a_code_and_never_signs_in(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    context = platform.tools.start(agency.manager, "myrentpro", agency.organisation.id, "manager")
    link = platform.sso.create_link(agency.manager, context)
    token = link.url.rsplit("/", 1)[1]
    platform.clock.advance(seconds=121)
    _verifier, challenge = pkce()
    with site.client() as http:
        assert http.get(urlsplit(link.url).path).status_code == 410
        answer = http.get("/authorize", params=_authorize_params(challenge, login_hint=token))
        assert answer.status_code == 303 and "/authorize/wait/" in answer.headers["location"]
        page = http.get(answer.headers["location"])
    assert page.status_code == 200 and "Connecter un outil" in page.text
    refused = list(audit.query(audit.AuditFilter(action="sso.link", outcome="refused")))
    assert len(refused) == 1 and "link_expired" in refused[0].detail
    assert not list(audit.query(audit.AuditFilter(action="sso.link_used")))


def test_a_browser_without_link_waits_for_the_code_to_be_approved(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    verifier, challenge = pkce()
    with site.client() as http:
        started = http.get("/authorize", params=_authorize_params(challenge))
        wait = started.headers["location"]
        page = http.get(wait)
        assert page.status_code == 200 and 'http-equiv="refresh"' in page.text
        code = next(line for line in page.text.split('class="code">')[1:]).split("<")[0]
        platform.sso.approve(agency.manager, code, agency.organisation.id, "manager")
        done = http.get(wait)
        assert done.status_code == 302 and done.headers["location"].startswith(REDIRECT)
        back = _query(done.headers["location"])
        assert back["state"] == "st-1"
        assert _exchange(http, back["code"], verifier).status_code == 200
        assert http.get(wait).status_code == 404  # used once


def test_pkce_is_required_and_redirects_must_match_exactly(site: Site) -> None:
    params = _authorize_params("x" * 43)
    del params["code_challenge"], params["code_challenge_method"]
    with site.client() as http:
        missing = http.get("/authorize", params=params)
        assert missing.status_code == 302 and _query(missing.headers["location"])["error"] == "invalid_request"
        plain = http.get("/authorize", params={**params, "code_challenge": "x" * 43, "code_challenge_method": "plain"})
        assert _query(plain.headers["location"])["error"] == "invalid_request"
        wrong = http.get("/authorize", params={**_authorize_params("x" * 43), "redirect_uri": REDIRECT + "/evil"})
        assert wrong.status_code == 400 and "location" not in wrong.headers
    assert len(list(audit.query(audit.AuditFilter(action="sso.authorize")))) == 3


def test_a_wrong_verifier_or_secret_gets_nothing(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    context = platform.tools.start(agency.manager, "myrentpro", agency.organisation.id, "manager")
    token = platform.sso.create_link(agency.manager, context).url.rsplit("/", 1)[1]
    _verifier, challenge = pkce()
    with site.client() as http:
        answer = http.get("/authorize", params=_authorize_params(challenge, login_hint=token))
        code = _query(answer.headers["location"])["code"]
        bad_secret = http.post("/token", auth=("myrentpro", "wrong"), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": "y" * 43})
        assert bad_secret.status_code == 401 and bad_secret.json()["error"] == "invalid_client"
        bad_verifier = _exchange(http, code, "y" * 43)
        assert bad_verifier.status_code == 400 and bad_verifier.json()["error"] == "invalid_grant"


def test_refresh_tokens_rotate_and_a_reused_one_ends_the_sign_in(site: Site) -> None:
    agency = agency_with_myrentpro(site.platform)
    with site.client() as http:
        first, _code = _link_sign_in(site, agency, http)
        refreshed = http.post("/token", auth=("myrentpro", SECRET),
                              data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text
        second = refreshed.json()
        assert second["refresh_token"] != first["refresh_token"] and second["id_token"]
        reused = http.post("/token", auth=("myrentpro", SECRET),
                           data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
        # The thief's reuse ended the sign-in: the legitimate new tokens stop working too.
        later = http.post("/token", auth=("myrentpro", SECRET),
                          data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]})
        assert later.status_code == 400
        inactive = http.post("/introspect", auth=("myrentpro", SECRET), data={"token": second["access_token"]})
        assert inactive.json() == {"active": False}
    actions = {e.action for e in audit.query(audit.AuditFilter(action="sso."))}
    assert {"sso.token_refreshed", "sso.refresh_token_reused", "sso.signed_out"} <= actions


def test_revocation_and_introspection(site: Site) -> None:
    agency = agency_with_myrentpro(site.platform)
    with site.client() as http:
        token, _code = _link_sign_in(site, agency, http)
        active = http.post("/introspect", auth=("myrentpro", SECRET), data={"token": token["access_token"]}).json()
        assert active["active"] is True and active["client_id"] == "myrentpro" and "wallet" in active["scope"]
        assert http.post("/revoke", auth=("myrentpro", SECRET), data={"token": "unknown"}).status_code == 200
        assert http.post("/revoke", auth=("myrentpro", SECRET),
                         data={"token": token["access_token"]}).status_code == 200
        gone = http.post("/introspect", auth=("myrentpro", SECRET), data={"token": token["access_token"]}).json()
        assert gone == {"active": False}
        # Revoking the refresh token ends the whole sign-in.
        http.post("/revoke", auth=("myrentpro", SECRET),
                  data={"token": token["refresh_token"], "token_type_hint": "refresh_token"})
        assert site.platform.sso.connected_tools(agency.manager) == []
    assert "sso.token_revoked" in {e.action for e in audit.query(audit.AuditFilter(action="sso."))}
