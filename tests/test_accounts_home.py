"""The home screen tells the truth about the eID link, also after "Ignorer"."""

from __future__ import annotations

from textual.widgets import Label

from immo_connect.accounts.required import LINK_EID
from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.home import HomeScreen
from tests.support.accounts import registered_and_active


async def test_skipping_the_eid_proposal_does_not_claim_it_is_linked(platform: Platform) -> None:
    signed = registered_and_active(platform)
    assert LINK_EID in signed.required_actions
    skipped = signed.without(LINK_EID)
    assert skipped.eid_linked is False
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        app.session = skipped
        await app.push_screen(HomeScreen())
        await pilot.pause(0.5)
        status = str(app.screen.query_one("#home-status", Label).render())
        assert "✗" in status and "pas encore liée" in status
        assert not app.screen.query_one("#home-link-eid").has_class("hidden")
