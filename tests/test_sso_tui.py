"""Pilot tests: « Connecter un outil » approves a tool's code under a chosen quality, and an
external tool's screen makes the one-time sign-in link with its QR code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from textual.widgets import Button, Input, OptionList, Static

from immo_connect.clock import FrozenClock
from immo_connect.plugins.tools.screen_external import ExternalToolScreen
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.home import HomeScreen
from immo_connect.tui.screens.tools.connect_tool import ConnectToolScreen
from immo_connect.tui.screens.tools.quality import QualityScreen
from tests.support.tui import settle, sign_in
from tests.support.web import Site, agency_with_myrentpro, running_site

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def site(tmp_path: Path, clock: FrozenClock) -> Iterator[Site]:
    with running_site(tmp_path, clock) as site:
        yield site


def _text(app: ImmoConnectApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_connect_a_tool_from_the_home_screen_with_its_code(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    with site.client() as http:
        asked = http.post("/device_authorization", data={"client_id": "myrentpro", "scope": "openid quality wallet"}).json()
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 50)) as pilot:
        sign_in(app, agency.manager)
        await app.push_screen(HomeScreen())
        await settle(pilot)
        assert app.screen.query_one("#home-connect-tool", Button)  # a shortcut on the home screen
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ConnectToolScreen)
        # A wrong code first: one clear line, nothing else shown.
        await pilot.press(*"bcdf ghjk", "enter")
        await settle(pilot)
        assert "Ce code est inconnu ou a expiré" in _text(app, "#connect-message")
        assert app.screen.query_one("#connect-request").has_class("hidden")
        app.screen.query_one("#connect-code", Input).value = ""
        await pilot.press(*str(asked["user_code"]).lower(), "enter")
        await settle(pilot)
        assert "MyRent Pro" in _text(app, "#connect-tool")
        learns = _text(app, "#connect-learns")
        assert "portefeuille" in learns and "organisation" in learns
        assert "Approuvez uniquement un code" in _text(app, "#connect-warning")
        await pilot.press("enter")  # « Choisir la qualité et approuver »
        await settle(pilot)
        assert isinstance(app.screen, QualityScreen)
        option = app.screen.query_one("#quality-list", OptionList).highlighted_option
        assert option is not None and "Utilisateur" in str(option.prompt)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConnectToolScreen)
        assert "✓" in _text(app, "#connect-message") and "Agence du Parc" in _text(app, "#connect-message")
    platform.clock.advance(seconds=6)
    with site.client() as http:
        token = http.post("/token", data={"grant_type": DEVICE, "device_code": asked["device_code"],
                                          "client_id": "myrentpro"})
    assert token.status_code == 200 and token.json()["id_token"]


async def test_refusing_in_the_terminal_tells_the_tool_access_denied(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    with site.client() as http:
        asked = http.post("/device_authorization", data={"client_id": "myrentpro", "scope": "openid"}).json()
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 50)) as pilot:
        sign_in(app, agency.manager)
        await app.push_screen(HomeScreen())
        await settle(pilot)
        app.action_connect_tool()  # the command palette's entry
        await settle(pilot)
        await pilot.press(*str(asked["user_code"]), "enter")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "Refusé" in _text(app, "#connect-message")
    with site.client() as http:
        token = http.post("/token", data={"grant_type": DEVICE, "device_code": asked["device_code"],
                                          "client_id": "myrentpro"})
    assert token.json()["error"] == "access_denied"


async def test_the_external_tool_screen_makes_a_one_time_link_with_a_qr_code(site: Site) -> None:
    platform = site.platform
    agency = agency_with_myrentpro(platform)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 60)) as pilot:
        sign_in(app, agency.manager)
        await app.push_screen(QualityScreen("myrentpro"))
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExternalToolScreen)
        await pilot.press("o")
        await settle(pilot)
        shown = _text(app, "#tool-link")
        url = shown.splitlines()[0]
        assert url.startswith(f"{site.issuer}/link/") and "une seule connexion" in shown
        qr = _text(app, "#tool-link-qr")
        assert "█" in qr and not app.screen.query_one("#tool-link-qr").has_class("hidden")
    with site.client() as http:
        landed = http.get(urlsplit(url).path)
    assert landed.status_code == 303 and landed.headers["location"].startswith("http://127.0.0.1:8481/login?")
