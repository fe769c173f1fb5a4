"""The example web tool (``immo-connect demo-tool``) as the provider's real client over HTTP:
signed in by the one-time link and by a code, charging the wallet, told of the end of its
sign-in. A browser is played by an httpx client that keeps cookies and follows redirects."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from immo_connect.clock import FrozenClock
from immo_connect.wallet.models import WalletTransaction
from immo_connect.web.serve import listen
from tests.support.tools import fund
from tests.support.web import Site, agency_with_myrentpro, logout_notices_sent, running_demo_tool, running_site


@pytest.fixture
def scene(tmp_path: Path, clock: FrozenClock, database_url: str) -> Iterator[tuple[Site, str]]:
    tool_listener = listen("127.0.0.1", 0)
    with running_site(tmp_path, clock, database_url, tool_listener=tool_listener) as site, \
            running_demo_tool(site, tool_listener) as tool:
        yield site, tool


def browser() -> httpx.Client:
    return httpx.Client(follow_redirects=True, timeout=15)


def who(page: httpx.Response) -> str:
    found = re.search(r"<p id='who'>([^<]*)</p>", page.text)
    return found.group(1) if found else ""


def started(site: Site, agency: Any) -> Any:
    return site.platform.tools.start(agency.manager, "myrentpro", agency.organisation.id, "manager")


def test_the_one_time_link_lands_in_the_tool_signed_in_and_it_charges_the_wallet(scene: tuple[Site, str]) -> None:
    site, tool = scene
    agency = agency_with_myrentpro(site.platform)
    fund(site.platform, agency.organisation, 1000)
    link = site.platform.sso.create_link(agency.manager, started(site, agency))
    with browser() as http:
        page = http.get(link.url)
        assert str(page.url) == f"{tool}/"
        assert who(page) == "Connecté : Marc Janssens — Agence du Parc, En tant qu&#x27;agent ou régisseur"
        assert "Solde du portefeuille : 10,00 €" in page.text
        charged = http.post(f"{tool}/charge")
        assert "Débité : 250 centimes." in charged.text and "7,50 €" in charged.text
        # The link served once: opened again, it signs nobody in.
        assert http.get(link.url).status_code == 410
    assert WalletTransaction.get(WalletTransaction.tool == "myrentpro").amount == -250


def test_sign_in_with_a_code_approved_in_the_terminal(scene: tuple[Site, str]) -> None:
    site, tool = scene
    agency = agency_with_myrentpro(site.platform)
    with browser() as http:
        page = http.get(f"{tool}/device")
        code = re.search(r"id='user-code'[^>]*>([A-Z-]+)<", page.text)
        assert code is not None
        site.platform.sso.approve(agency.manager, code.group(1), agency.organisation.id, "manager")
        site.platform.clock.advance(seconds=6)
        page = http.get(f"{tool}/device")
        assert who(page).startswith("Connecté : Marc Janssens — Agence du Parc")


def test_a_browser_without_link_is_shown_a_code_then_continues(scene: tuple[Site, str]) -> None:
    site, tool = scene
    agency = agency_with_myrentpro(site.platform)
    with browser() as http:
        waiting = http.get(f"{tool}/start")
        assert "/authorize/wait/" in str(waiting.url)
        code = re.search(r'class="code">([A-Z-]+)<', waiting.text)
        assert code is not None
        site.platform.sso.approve(agency.manager, code.group(1), agency.organisation.id, "manager")
        page = http.get(waiting.url)
        assert who(page).startswith("Connecté : Marc Janssens")


def test_ending_the_sign_in_in_immo_connect_signs_the_tool_out(scene: tuple[Site, str]) -> None:
    site, tool = scene
    agency = agency_with_myrentpro(site.platform)
    link = site.platform.sso.create_link(agency.manager, started(site, agency))
    with browser() as http:
        assert who(http.get(link.url))
        assert len(site.platform.sso.connected_tools(agency.manager)) == 1
        site.platform.sso.end_all(agency.manager.id, reason="signed_out_everywhere")
        logout_notices_sent()  # the notice goes in the background; wait for it to see its effect
        page = http.get(f"{tool}/")
        assert not who(page) and "Votre connexion a pris fin dans Immo-Connect." in page.text
