"""The wallet API over real HTTP: the same charge path, prices, refusals and ledger as a tool
running inside the terminal UI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from immo_connect import audit
from immo_connect.clock import FrozenClock
from immo_connect.tools import BLOCKED, role_choice
from immo_connect.wallet.models import WalletTransaction
from tests.support.tools import fund
from tests.support.web import Site, agency_with_myrentpro, running_site

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def site(tmp_path: Path, clock: FrozenClock, database_url: str) -> Iterator[Site]:
    with running_site(tmp_path, clock, database_url) as site:
        yield site


def signed_in_tool(site: Site, account: Any, organisation_id: int, scope: str = "openid quality wallet") -> str:
    """A device sign-in approved for ``account``: the tool's access token."""
    with site.client() as http:
        asked = http.post("/device_authorization", data={"client_id": "myrentpro", "scope": scope}).json()
        site.platform.sso.approve(account, asked["user_code"], organisation_id, "manager")
        token = http.post("/token", data={"grant_type": DEVICE, "device_code": asked["device_code"],
                                          "client_id": "myrentpro"})
    assert token.status_code == 200, token.text
    return str(token.json()["access_token"])


def charge(http: httpx.Client, token: str, key: str) -> httpx.Response:
    return http.post("/api/wallet/charges", headers={"Authorization": f"Bearer {token}"},
                     json={"action": "rental_file", "description": "Dossier rue Haute 12", "idempotency_key": key})


def test_balance_and_an_idempotent_charge_through_the_tool_charge_path(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    fund(platform, agency.organisation, 1000)
    token = signed_in_tool(site, agency.manager, agency.organisation.id)
    with site.client() as http:
        balance = http.get("/api/wallet", headers={"Authorization": f"Bearer {token}"}).json()
        assert balance["balance_cents"] == 1000 and balance["organisation"]["name"] == "Agence du Parc"
        first = charge(http, token, "file-1")
        assert first.status_code == 201, first.text
        assert first.json()["transaction"]["amount_cents"] == 250 and first.json()["balance_cents"] == 750
        again = charge(http, token, "file-1")  # a retry of the same action
        assert again.json()["transaction"]["number"] == first.json()["transaction"]["number"]
        assert http.get("/api/wallet", headers={"Authorization": f"Bearer {token}"}).json()["balance_cents"] == 750
    row = WalletTransaction.get(WalletTransaction.tool == "myrentpro")
    assert row.idempotency_key == f"tool:myrentpro:{agency.organisation.id}:file-1"
    assert row.actor_id == agency.manager.id and row.status == "succeeded"


def test_insufficient_funds_is_refused_and_recorded_like_in_the_terminal(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    fund(platform, agency.organisation, 100)
    token = signed_in_tool(site, agency.manager, agency.organisation.id)
    with site.client() as http:
        refused = charge(http, token, "file-2")
    assert refused.status_code == 402 and refused.json()["error"] == "insufficient_funds"
    assert WalletTransaction.get(WalletTransaction.tool == "myrentpro").status == "failed"


def test_the_balance_needs_the_wallet_right_view_but_charges_do_not(site: Site) -> None:
    from immo_connect.organisations.models import Membership

    platform = site.platform
    agency = agency_with_myrentpro(platform)
    fund(platform, agency.organisation, 1000)
    platform.tools.save_access(agency.manager, agency.organisation.id, "myrentpro", "manager",
                               {agency.agent.id: role_choice("user")})
    token = signed_in_tool(site, agency.agent, agency.organisation.id)
    bearer = {"Authorization": f"Bearer {token}"}
    with site.client() as http:
        hidden = http.get("/api/wallet", headers=bearer)
        assert hidden.status_code == 403 and hidden.json()["error"] == "wallet_right_missing"
        charged = charge(http, token, "file-4")  # a tool user is charged whatever the wallet right
        assert charged.status_code == 201 and charged.json()["balance_cents"] is None
        # The charge keeps the usage mode of the sign-in (one invoice line per tool and mode).
        row = WalletTransaction.get(WalletTransaction.kind == "tool_usage")
        assert (row.tool, row.usage_mode) == ("myrentpro", "manager")
        membership = Membership.get((Membership.account == agency.agent.id)
                                    & (Membership.organisation == agency.organisation.id))
        platform.wallet.set_employee_right(agency.manager, agency.organisation.id, membership.id, "view")
        shown = http.get("/api/wallet", headers=bearer)
        assert shown.status_code == 200 and shown.json()["balance_cents"] == 750
    assert audit.AuditEvent.select().where((audit.AuditEvent.outcome == "refused")
                                           & (audit.AuditEvent.action == "wallet.view")).count() == 1


def test_access_removed_after_sign_in_stops_charges_and_tokens(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    fund(platform, agency.organisation, 1000)
    platform.tools.save_access(agency.manager, agency.organisation.id, "myrentpro", "manager",
                               {agency.agent.id: role_choice("user")})
    token = signed_in_tool(site, agency.agent, agency.organisation.id)
    platform.tools.save_access(agency.manager, agency.organisation.id, "myrentpro", "manager",
                               {agency.agent.id: BLOCKED})
    with site.client() as http:
        refused = charge(http, token, "file-3")
        assert refused.status_code == 403 and refused.json()["error"] == "access_blocked"
    assert not WalletTransaction.select().where(WalletTransaction.tool == "myrentpro").exists()


def test_tokens_without_the_wallet_scope_or_unknown_are_refused(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    token = signed_in_tool(site, agency.manager, agency.organisation.id, scope="openid")
    with site.client() as http:
        assert charge(http, token, "k").status_code == 403
        unknown = http.get("/api/wallet", headers={"Authorization": "Bearer nope"})
        assert unknown.status_code == 401 and "invalid_token" in unknown.headers["www-authenticate"]
    (event,) = audit.query(audit.AuditFilter(action="sso.api"))
    assert event.outcome == "refused" and "unknown_token" in event.detail
    with site.client() as http:
        bad = http.post("/api/wallet/charges", headers={"Authorization": f"Bearer {token}"}, content=b"[1]")
        assert bad.status_code == 403  # the scope is checked before the body
