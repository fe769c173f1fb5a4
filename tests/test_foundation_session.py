"""Every request from a screen checks the session: an expired one leads back to sign-in."""

from __future__ import annotations

from immo_connect.clock import FrozenClock
from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.login import LoginScreen
from immo_connect.tui.screens.organisations import MyOrganisationsScreen
from tests.support.accounts import registered_and_active


async def test_idle_session_ends_at_the_next_request_of_any_screen(platform: Platform, clock: FrozenClock) -> None:
    signed = registered_and_active(platform)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.session = signed
        app.push_screen(MyOrganisationsScreen())
        await pilot.pause(0.5)
        assert isinstance(app.screen, MyOrganisationsScreen)

        clock.advance(minutes=platform.settings.security.session_idle_minutes + 1)
        app.screen.set_focus(None)
        await pilot.press("r")  # refresh: a request to the core
        await pilot.pause(1.0)

        assert isinstance(app.screen, LoginScreen)
        assert app.session is None
        message = str(app.screen.query_one("#login-message").render())
        assert "session" in message.lower()


async def test_active_session_is_extended_by_requests(platform: Platform, clock: FrozenClock) -> None:
    signed = registered_and_active(platform)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.session = signed
        app.push_screen(MyOrganisationsScreen())
        await pilot.pause(0.5)
        idle = platform.settings.security.session_idle_minutes
        for _ in range(3):  # three requests, each within the idle limit of the one before
            clock.advance(minutes=idle - 5)
            app.screen.set_focus(None)
            await pilot.press("r")
            await pilot.pause(0.5)
            assert isinstance(app.screen, MyOrganisationsScreen)
        assert platform.accounts.touch(signed.token).id == signed.account_id
