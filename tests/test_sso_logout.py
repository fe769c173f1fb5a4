"""Ending the tools' sign-ins: « Outils connectés », a password change, a blocked account or
membership, a removal; the tool is told by back-channel logout over real HTTP."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from textual.widgets import DataTable

from immo_connect import audit, cli
from immo_connect.accounts.models import Account
from immo_connect.accounts.passwords import PasswordHasher
from immo_connect.accounts.sessions import SessionEnded
from immo_connect.clock import FrozenClock, utcnow
from immo_connect.errors import PermissionDenied
from immo_connect.oidc import logout
from immo_connect.oidc.logout import EVENT
from immo_connect.oidc.models import LogoutDelivery
from immo_connect.organisations.models import Membership
from immo_connect.storage import transaction
from immo_connect.tools import role_choice
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.accounts.connected_tools import ConnectedToolsScreen
from immo_connect.tui.screens.accounts.profile import ProfileScreen
from immo_connect.tui.screens.confirm_dialog import ConfirmDialog
from immo_connect.tui.session_flow import token_of
from tests.support.accounts import session_for
from tests.support.tui import settle, sign_in
from tests.support.web import LogoutReceiver, Site, agency_with_myrentpro, logout_notices_sent, running_site

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


def test_removing_a_member_with_a_live_sign_in_ends_it_and_tells_the_tool(site: Site, receiver: LogoutReceiver) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    platform.tools.save_access(agency.manager, agency.organisation.id, "myrentpro", "manager",
                               {agency.agent.id: role_choice("user")})
    agent_token = signed_in(site, agency.agent, agency.organisation.id)
    manager_token = signed_in(site, agency.manager, agency.organisation.id)
    membership = Membership.get((Membership.account == agency.agent.id)
                                & (Membership.organisation == agency.organisation.id))
    platform.organisations.remove(agency.manager, agency.organisation.id, membership.id)  # never blocked first
    assert not still_works(site, agent_token) and still_works(site, manager_token)
    (raw,) = receiver.wait_for(1)
    check_logout_token(site, raw, agency.agent)
    (event,) = audit.query(audit.AuditFilter(action="sso.signed_out"))
    assert "membership_removed" in event.detail


def test_signing_out_everywhere_ends_the_other_sessions_and_every_tool_sign_in(
    site: Site, receiver: LogoutReceiver,
) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    platform.tools.save_access(agency.manager, agency.organisation.id, "myrentpro", "manager",
                               {agency.agent.id: role_choice("user")})
    here, elsewhere = session_for(platform, agency.manager), session_for(platform, agency.manager)
    manager_token = signed_in(site, agency.manager, agency.organisation.id)
    agent_token = signed_in(site, agency.agent, agency.organisation.id)
    assert platform.accounts.sign_out_everywhere(agency.manager, keep_token=here.token) == (1, 1)
    assert platform.accounts.current(here.token).id == agency.manager.id
    with pytest.raises(SessionEnded):
        platform.accounts.current(elsewhere.token)
    assert not still_works(site, manager_token) and still_works(site, agent_token)  # only the person's own
    check_logout_token(site, receiver.wait_for(1)[0], agency.manager)
    (event,) = audit.query(audit.AuditFilter(action="account.sign_out_everywhere"))
    assert json.loads(event.detail) == {"sessions_ended": 1, "tool_sign_ins_ended": 1}


def test_a_blocked_account_cannot_sign_out_everywhere(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    platform.accounts.block(agency.manager.username)
    with pytest.raises(PermissionDenied):
        platform.accounts.sign_out_everywhere(agency.manager)
    assert not list(audit.query(audit.AuditFilter(action="account.sign_out_everywhere")))


async def test_sign_out_everywhere_from_the_profile_asks_first(site: Site, receiver: LogoutReceiver) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    elsewhere = session_for(platform, agency.manager)
    token = signed_in(site, agency.manager, agency.organisation.id)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 50)) as pilot:
        sign_in(app, agency.manager)
        await app.push_screen(ProfileScreen())
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")  # the default answer is no: nothing ends
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen) and still_works(site, token)
        await pilot.press("x")
        await settle(pilot)
        await pilot.click("#confirm-yes")
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen)
        message = str(app.screen.query_one("#profile-message").render())
        assert "Déconnecté partout" in message and "sessions fermées : 1" in message
        assert platform.accounts.current(token_of(app)).id == agency.manager.id  # this session stays
    assert not still_works(site, token)
    with pytest.raises(SessionEnded):
        platform.accounts.current(elsewhere.token)
    check_logout_token(site, receiver.wait_for(1)[0], agency.manager)


def test_a_tool_that_was_down_gets_the_logout_notice_once_it_is_back(tmp_path: Path, clock: FrozenClock) -> None:
    down = LogoutReceiver()
    port, uri = down.server.server_address[1], down.uri
    down.close()  # nothing listens on the tool's logout URI yet
    with running_site(tmp_path, clock, logout_uri=uri) as site:
        agency = agency_with_myrentpro(site.platform)
        token = signed_in(site, agency.manager, agency.organisation.id)
        site.platform.sso.end_all(agency.manager.id, reason="signed_out_everywhere")
        logout_notices_sent()
        assert not still_works(site, token)  # the sign-in ended whatever the tool's state
        (owed,) = LogoutDelivery.select()
        assert (owed.status, owed.attempts) == ("pending", 1) and "Connect" in owed.last_error
        assert logout.deliver_all_due(site.platform).claimed == 0  # not again before its backoff
        receiver = LogoutReceiver(port)
        try:
            clock.advance(seconds=logout.RETRY_BASE_SECONDS)
            assert logout.deliver_all_due(site.platform).delivered == 1
            clock.advance(hours=2)
            assert logout.deliver_all_due(site.platform).claimed == 0
            (raw,) = receiver.wait_for(1)
            check_logout_token(site, raw, agency.manager)
            assert len(receiver.tokens) == 1
            assert LogoutDelivery.get_by_id(owed.id).status == "delivered"
        finally:
            receiver.close()


def test_a_logout_notice_is_sent_once_and_later_polls_find_nothing_owed(site: Site, receiver: LogoutReceiver) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    signed_in(site, agency.manager, agency.organisation.id)
    platform.sso.end_all(agency.manager.id, reason="signed_out_everywhere")
    logout_notices_sent()
    for _ in range(3):  # the web process and workers polling afterwards find nothing owed
        assert logout.deliver_all_due(platform).claimed == 0
    assert len(receiver.wait_for(1)) == 1
    assert LogoutDelivery.get().status == "delivered"
    platform.clock.advance(days=1, seconds=1)  # type: ignore[attr-defined]
    assert platform.sso.prune() >= 1 and not LogoutDelivery.select().exists()  # the outcome is kept a day


def test_the_web_process_retries_an_owed_notice_in_the_background(tmp_path: Path, clock: FrozenClock) -> None:
    down = LogoutReceiver()
    port, uri = down.server.server_address[1], down.uri
    down.close()
    with running_site(tmp_path, clock, logout_uri=uri) as site:
        agency = agency_with_myrentpro(site.platform)
        signed_in(site, agency.manager, agency.organisation.id)
        site.platform.sso.end_all(agency.manager.id, reason="signed_out_everywhere")
        logout_notices_sent()
        receiver = LogoutReceiver(port)
        clock.advance(seconds=logout.RETRY_BASE_SECONDS)
        stop = threading.Event()
        retries = logout.keep_delivering(site.platform, stop, 0.05)  # as `immo-connect web` runs it
        try:
            (raw,) = receiver.wait_for(1)
            check_logout_token(site, raw, agency.manager)
        finally:
            stop.set()
            retries.join(10)
            receiver.close()
        assert len(receiver.tokens) == 1


def test_immo_connect_worker_delivers_an_owed_notice_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    down = LogoutReceiver()
    port, uri = down.server.server_address[1], down.uri
    down.close()
    clock = FrozenClock(utcnow() - dt.timedelta(hours=1))  # the failed attempt's backoff is over by now
    with running_site(tmp_path, clock, logout_uri=uri) as site:
        agency = agency_with_myrentpro(site.platform)
        signed_in(site, agency.manager, agency.organisation.id)
        site.platform.sso.end_all(agency.manager.id, reason="signed_out_everywhere")
        logout_notices_sent()
        receiver = LogoutReceiver(port)
        try:
            monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
            worker = ["--config", str(tmp_path / "plugins.toml"), "--database-url", site.platform.settings.database_url,
                      "worker", "--once"]
            assert cli.main(worker) == 0
            assert cli.main(worker) == 0  # a second pass finds nothing owed
            capsys.readouterr()
            (raw,) = receiver.wait_for(1)
            check_logout_token(site, raw, agency.manager)
            assert len(receiver.tokens) == 1 and LogoutDelivery.get().status == "delivered"
        finally:
            receiver.close()
