"""The device authorization grant (RFC 8628) over real HTTP: a tool asks for a code, the person
approves it (the service the terminal UI calls), the tool gets tokens and an ID token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from immo_connect import audit
from immo_connect.accounts.ratelimit import TooManyAttempts
from immo_connect.clock import FrozenClock
from immo_connect.errors import PermissionDenied, ValidationError
from immo_connect.tools import role_choice
from tests.support.web import Site, agency_with_myrentpro, running_site, verify_id_token

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def site(tmp_path: Path, clock: FrozenClock, database_url: str) -> Iterator[Site]:
    with running_site(tmp_path, clock, database_url) as site:
        yield site


def _ask(site: Site, scope: str = "openid profile email quality wallet offline_access", **extra: str) -> dict[str, object]:
    with site.client() as http:
        answer = http.post("/device_authorization", data={"client_id": "myrentpro", "scope": scope, **extra})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _poll(site: Site, device_code: object) -> tuple[int, dict[str, object]]:
    with site.client() as http:
        answer = http.post("/token", data={"grant_type": DEVICE, "device_code": device_code, "client_id": "myrentpro"})
    return answer.status_code, dict(answer.json())


def test_discovery_and_jwks_publish_the_endpoints_and_a_key_with_kid(site: Site) -> None:
    with site.client() as http:
        configuration = http.get("/.well-known/openid-configuration").json()
        jwks = http.get("/jwks").json()
    assert configuration["issuer"] == site.issuer
    assert configuration["device_authorization_endpoint"] == f"{site.issuer}/device_authorization"
    assert configuration["code_challenge_methods_supported"] == ["S256"]
    assert configuration["backchannel_logout_supported"] is True
    (key,) = jwks["keys"]
    assert key["kid"] and key["alg"] == "RS256" and "d" not in key


def test_device_flow_end_to_end_gives_an_id_token_with_the_quality(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    asked = _ask(site)
    assert asked["verification_uri"] == f"{site.issuer}/device"
    code = str(asked["user_code"])
    assert len(code) == 9 and code[4] == "-" and set(code.replace("-", "")) <= set("BCDFGHJKLMNPQRSTVWXZ")

    assert _poll(site, asked["device_code"]) == (400, {"error": "authorization_pending"})
    # The person types the code in lower case, without the dash: it is found all the same.
    view = platform.sso.find_request(agency.manager, code.replace("-", "").lower())
    assert view.tool == "myrentpro" and view.kind == "device"
    assert [(q.organisation_name, q.mode, q.role) for q in view.qualities] == [("Agence du Parc", "manager", "user")]
    assert any("wallet" in text or "portefeuille" in text for text in view.learns)
    platform.clock.advance(seconds=6)
    platform.sso.approve(agency.manager, code, agency.organisation.id, "manager")

    status, token = _poll(site, asked["device_code"])
    assert status == 200, token
    assert token["token_type"] == "Bearer" and token["refresh_token"]
    claims = verify_id_token(site, str(token["id_token"]))
    assert claims["sub"] == platform.sso.subject(agency.manager.id)
    assert claims["organisation"] == {"enterprise_number": agency.organisation.enterprise_number,
                                      "name": "Agence du Parc"}
    assert claims["usage_mode"]["id"] == "manager" and claims["role"]["id"] == "user"
    assert claims["recognitions"] == ["ipi.agent"]
    assert claims["acr"] == "urn:immo-connect:acr:eid"
    assert claims["name"] == "Marc Janssens"
    # The device code is exchanged once.
    assert _poll(site, asked["device_code"])[1]["error"] == "invalid_grant"
    actions = [e.action for e in audit.query(audit.AuditFilter(action="sso."))]
    assert {"sso.device_requested", "sso.approved", "sso.token_issued"} <= set(actions)
    assert "tool.started" in [e.action for e in audit.query(audit.AuditFilter(action="tool."))]


def test_polling_too_fast_slows_down_and_a_refusal_is_access_denied(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    asked = _ask(site)
    assert _poll(site, asked["device_code"])[1]["error"] == "authorization_pending"
    assert _poll(site, asked["device_code"])[1]["error"] == "slow_down"
    platform.sso.refuse(agency.manager, str(asked["user_code"]))
    assert _poll(site, asked["device_code"])[1]["error"] == "access_denied"
    assert [e.action for e in audit.query(audit.AuditFilter(action="sso.refused"))] == ["sso.refused"]


def test_an_expired_device_code_is_expired_token_and_cannot_be_approved(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    asked = _ask(site)
    platform.clock.advance(minutes=11)
    assert _poll(site, asked["device_code"])[1]["error"] == "expired_token"
    (event,) = audit.query(audit.AuditFilter(action="sso.token", outcome="refused"))
    assert "device_code_expired" in event.detail
    with pytest.raises(ValidationError) as caught:
        platform.sso.approve(agency.manager, str(asked["user_code"]), agency.organisation.id, "manager")
    assert caught.value.code == "unknown_code"


def test_wrong_codes_are_rate_limited_per_account(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    asked = _ask(site)
    for _attempt in range(5):
        with pytest.raises(ValidationError):
            platform.sso.find_request(agency.manager, "BCDF-GHJK")
    with pytest.raises(TooManyAttempts):  # even the right code, until the window has passed
        platform.sso.find_request(agency.manager, str(asked["user_code"]))
    assert len(list(audit.query(audit.AuditFilter(action="sso.code_wrong")))) == 5
    platform.clock.advance(minutes=16)
    again = _ask(site)
    assert platform.sso.find_request(agency.manager, str(again["user_code"])).tool == "myrentpro"


def test_approval_runs_the_start_check_and_an_eid_requirement(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    asked = _ask(site)
    # The employee has no role in MyRent Pro: the start check refuses, nothing is granted.
    with pytest.raises(PermissionDenied) as caught:
        platform.sso.approve(agency.employee, str(asked["user_code"]), agency.organisation.id, "manager")
    assert caught.value.code == "no_access"
    # An assistant role without eID, for a tool that requires the eID: refused.
    platform.tools.save_access(agency.manager, agency.organisation.id, "myrentpro", "manager",
                               {agency.employee.id: role_choice("assistant")})
    eid_asked = _ask(site, acr_values="urn:immo-connect:acr:eid")
    with pytest.raises(PermissionDenied) as caught:
        platform.sso.approve(agency.employee, str(eid_asked["user_code"]), agency.organisation.id, "manager")
    assert caught.value.code == "eid_required"
    platform.sso.approve(agency.employee, str(asked["user_code"]), agency.organisation.id, "manager")
    platform.clock.advance(seconds=6)
    status, token = _poll(site, asked["device_code"])
    assert status == 200
    claims = verify_id_token(site, str(token["id_token"]))
    assert claims["acr"] == "urn:immo-connect:acr:password" and claims["role"]["id"] == "assistant"
    assert claims["recognitions"] == []


def test_an_unknown_client_is_refused(site: Site) -> None:
    with site.client() as http:
        answer = http.post("/device_authorization", data={"client_id": "nosuchtool", "scope": "openid"})
    assert answer.status_code in (400, 401) and answer.json()["error"] == "invalid_client"
    (event,) = audit.query(audit.AuditFilter(action="sso.client"))
    assert event.outcome == "refused" and event.target == "tool:nosuchtool"


def test_key_rotation_keeps_the_old_key_published_until_its_tokens_expired(site: Site) -> None:
    from joserfc import jws

    from immo_connect.oidc import keys

    platform = site.platform
    agency = agency_with_myrentpro(platform)

    def id_token() -> str:
        asked = _ask(site, scope="openid")
        platform.sso.approve(agency.manager, str(asked["user_code"]), agency.organisation.id, "manager")
        return str(_poll(site, asked["device_code"])[1]["id_token"])

    def kid(token: str) -> str:
        return str(jws.extract_compact(token.encode()).protected["kid"])

    before = id_token()
    keys.rotate(platform)
    after = id_token()
    assert kid(before) != kid(after)
    with site.client() as http:
        assert {key["kid"] for key in http.get("/jwks").json()["keys"]} == {kid(before), kid(after)}
    verify_id_token(site, before)  # still verifiable while it may be valid
    platform.clock.advance(minutes=11)
    with site.client() as http:
        assert [key["kid"] for key in http.get("/jwks").json()["keys"]] == [kid(after)]


def test_the_web_server_also_serves_the_payment_webhooks(site: Site) -> None:
    with site.client() as http:
        answer = http.post("/webhooks/payments/nosuchmethod", data={"id": "tr_1"})
        assert (answer.status_code, answer.text) == (404, "unknown payment method")
        assert http.get("/webhooks/payments/nosuchmethod").status_code == 405


def test_expired_requests_are_pruned_when_new_ones_come(site: Site) -> None:
    from immo_connect.oidc.models import PendingRequest

    first = _ask(site)
    site.platform.clock.advance(days=1, minutes=11)
    second = _ask(site)
    codes = [row.user_code for row in PendingRequest.select()]
    assert codes == [str(second["user_code"]).replace("-", "")]
    assert str(first["user_code"]).replace("-", "") not in codes


def test_a_refresh_token_only_when_the_tool_asks_for_offline_access(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    asked = _ask(site, scope="openid quality")
    platform.sso.approve(agency.manager, str(asked["user_code"]), agency.organisation.id, "manager")
    status, token = _poll(site, asked["device_code"])
    assert status == 200 and token["access_token"] and token["id_token"]
    assert "refresh_token" not in token  # OpenID Connect Core §11: no offline_access, no refresh token
    from immo_connect.oidc.models import IssuedToken

    assert not IssuedToken.select().where(IssuedToken.kind == "refresh").exists()
