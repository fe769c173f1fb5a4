"""Snapshots of the screens changed for safety, at 80×24 and 120×40, in French.

Regenerate after a deliberate change with ``pytest tests/test_tui_snapshots.py --snapshot-update``
and look at the pictures (``tests/__snapshots__/test_tui_snapshots/*.svg``) before committing.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.tools.quality import QualityScreen
from immo_connect.tui.screens.wallet.wallet_transfer import WalletTransferScreen
from tests.support.factories import make_account, make_organisation
from tests.support.tools import AGENT_AND_SYNDIC, MakePlatform, fund, link_identity, registers_config
from tests.support.tui import settle, sign_in

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def platform(make_platform: MakePlatform) -> Platform:
    return make_platform(config_text=registers_config())


def _agency_with_two_organisations(platform: Platform) -> tuple[Any, Any, Any]:
    marc = make_account("marc.janssens", first_name="Marc", last_name="Janssens")
    link_identity(platform, marc, AGENT_AND_SYNDIC)
    first = make_organisation(marc, name="Agence Immobilière du Parc Léopold [b]Bruxelles[/i]")
    second = make_organisation(marc, name="Bureau Zénith")
    for organisation in (first, second):
        platform.tools.register(marc, organisation.id, "cadastrefinder", "agent", terms_version="2016-1")
    fund(platform, first, 1_234_567)
    return marc, first, second


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_quality_selection_snapshot(platform: Platform, snap_compare: Any, size: tuple[int, int]) -> None:
    marc, first, _second = _agency_with_two_organisations(platform)
    app = ImmoConnectApp(platform)

    async def run_before(pilot: Pilot[Any]) -> None:
        sign_in(app, marc)
        await app.push_screen(QualityScreen("cadastrefinder", organisation_id=first.id))
        await settle(pilot, lambda: app.screen.qualities)
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_transfer_question_snapshot(platform: Platform, snap_compare: Any, size: tuple[int, int]) -> None:
    marc, first, _second = _agency_with_two_organisations(platform)
    app = ImmoConnectApp(platform)

    async def run_before(pilot: Pilot[Any]) -> None:
        sign_in(app, marc)
        await app.push_screen(WalletTransferScreen(first.id))
        await settle(pilot)
        await pilot.press(*"250,00", "ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
