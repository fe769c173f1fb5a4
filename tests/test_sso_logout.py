"""Ending the tools' sign-ins: « Outils connectés », a password change, a blocked account or
membership, a removal; the tool is told by back-channel logout over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from textual.widgets import DataTable

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.accounts.passwords import PasswordHasher
from immo_connect.clock import FrozenClock
from immo_connect.oidc.logout import EVENT
from immo_connect.organisations.models import Membership
from immo_connect.storage import transaction
from immo_connect.tools import role_choice
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.connected_tools import ConnectedToolsScreen
from immo_connect.tui.screens.profile import ProfileScreen
from tests.support.tui import settle, sign_in
from tests.support.web import LogoutReceiver, Site, agency_with_myrentpro, running_site

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def receiver() -> Iterator[LogoutReceiver]:
    receiver = LogoutReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def site(tmp_path: Path, clock: FrozenClock, receiver: LogoutReceiver) -> Iterator[Site]:
    with running_site(tmp_path, clock, logout_uri=receiver.uri) as site:
        yield site


def signed_in(site: Site, account: Any, organisation_id: int) -> dict[str, Any]:
    with site.client() as http:
        asked = http.post("/device_authorization", data={"client_id": "myrentpro", "scope": "openid wallet"}).json()
        site.platform.sso.approve(account, asked["user_code"], organisation_id, "manager")
        token = http.post("/token", data={"grant_type": DEVICE, "device_code": asked["device_code"],
                                          "client_id": "myrentpro"})
    return dict(token.json())


def still_works(site: Site, token: dict[str, Any]) -> bool:
    with site.client() as http:
        return http.get("/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}).status_code == 200


def check_logout_token(site: Site, raw: str, account: Account) -> None:
    with site.client() as http:
        keys = KeySet.import_key_set(http.get("/jwks").json())
    token = jwt.decode(raw, keys, algorithms=["RS256"])
    assert token.header["typ"] == "logout+jwt"
    claims = token.claims
    assert claims["iss"] == site.issuer and claims["aud"] == "myrentpro" and "nonce" not in claims
    assert claims["sub"] == site.platform.sso.subject(account.id) and claims["sid"] and claims["jti"]
    assert claims["events"] == {EVENT: {}}


def test_a_password_change_ends_the_sign_ins_and_tells_the_tool(site: Site, receiver: LogoutReceiver) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    with transaction():
        Account.update(password_hash=PasswordHasher().hash("old passphrase 2026!")).where(
            Account.id == agency.manager.id).execute()
    token = signed_in(site, agency.manager, agency.organisation.id)
    assert still_works(site, token)
    platform.accounts.change_password(Account.get_by_id(agency.manager.id), "old passphrase 2026!",
                                      "a brand new passphrase 2026", "a brand new passphrase 2026")
    assert not still_works(site, token)
    (raw,) = receiver.wait_for(1)
    check_logout_token(site, raw, agency.manager)
    (event,) = audit.query(audit.AuditFilter(action="sso.signed_out"))
    assert "password_changed" in event.detail


def test_blocking_or_removing_a_member_ends_only_that_organisation(site: Site, receiver: LogoutReceiver) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    platform.tools.save_access(agency.manager, agency.organisation.id, "myrentpro", "manager",
                               {agency.agent.id: role_choice("user")})
    agent_token = signed_in(site, agency.agent, agency.organisation.id)
    manager_token = signed_in(site, agency.manager, agency.organisation.id)
    membership = Membership.get((Membership.account == agency.agent.id)
                                & (Membership.organisation == agency.organisation.id))
    platform.organisations.block(agency.manager, agency.organisation.id, membership.id)
    assert not still_works(site, agent_token) and still_works(site, manager_token)
    assert len(receiver.wait_for(1)) == 1
    platform.organisations.remove(agency.manager, agency.organisation.id, membership.id)  # nothing left to end
    platform.accounts.block(agency.manager.username)
    assert not still_works(site, manager_token)
    assert len(receiver.wait_for(2)) == 2


async def test_connected_tools_in_the_profile_lists_and_ends_a_sign_in(site: Site, receiver: LogoutReceiver) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    token = signed_in(site, agency.manager, agency.organisation.id)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 50)) as pilot:
        sign_in(app, agency.manager)
        await app.push_screen(ProfileScreen())
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ConnectedToolsScreen)
        table = app.screen.query_one(DataTable)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[:2] == ["MyRent Pro", "Agence du Parc"] and row[3] == "Utilisateur"
        await pilot.press("delete")
        await settle(pilot)
        assert table.row_count == 0
        assert "déconnecté" in str(app.screen.query_one("#connected-message").render())
    assert not still_works(site, token)
    check_logout_token(site, receiver.wait_for(1)[0], agency.manager)
