"""Every request from a screen checks the session: an expired one leads back to sign-in."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.screen import Screen

from immo_connect.accounts.required import SignedIn
from immo_connect.clock import FrozenClock
from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.accounts.account import AccountScreen
from immo_connect.tui.screens.accounts.login import LoginScreen
from immo_connect.tui.screens.organisations.organisations import MyOrganisationsScreen
from tests.support.accounts import registered_and_active
from tests.support.tui import settle


async def open_signed_in(pilot: Pilot[int], signed: SignedIn, screen: Screen[None]) -> None:
    pilot.app.session = signed  # type: ignore[attr-defined]
    pilot.app.push_screen(screen)
    await settle(pilot)
    assert pilot.app.screen is screen


def assert_back_on_sign_in(app: ImmoConnectApp) -> None:
    assert isinstance(app.screen, LoginScreen)
    assert app.session is None
    message = str(app.screen.query_one("#login-message").render())
    assert "session" in message.lower()


async def test_idle_session_ends_at_the_next_request_of_any_screen(platform: Platform, clock: FrozenClock) -> None:
    signed = registered_and_active(platform)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await open_signed_in(pilot, signed, MyOrganisationsScreen())

        clock.advance(minutes=platform.settings.security.session_idle_minutes + 1)
        app.screen.set_focus(None)
        await pilot.press("r")  # refresh: a request to the core
        await pilot.pause(1.0)

        assert_back_on_sign_in(app)


async def test_idle_session_ends_before_a_screen_handles_the_error_itself(
    platform: Platform, clock: FrozenClock,
) -> None:
    # The password form shows its own errors; an ended session still leads back to sign-in.
    signed = registered_and_active(platform)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = AccountScreen()
        await open_signed_in(pilot, signed, screen)
        await pilot.press("ctrl+t")
        await settle(pilot)

        clock.advance(minutes=platform.settings.security.session_idle_minutes + 1)
        screen.query_one("#account-password-save").focus()
        await pilot.press("enter")
        await settle(pilot)

        assert_back_on_sign_in(app)


async def test_active_session_is_extended_by_requests(platform: Platform, clock: FrozenClock) -> None:
    signed = registered_and_active(platform)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await open_signed_in(pilot, signed, MyOrganisationsScreen())
        idle = platform.settings.security.session_idle_minutes
        for _ in range(3):  # three requests, each within the idle limit of the one before
            clock.advance(minutes=idle - 5)
            app.screen.set_focus(None)
            await pilot.press("r")
            await pilot.pause(0.5)
            assert isinstance(app.screen, MyOrganisationsScreen)
        assert platform.accounts.touch(signed.token).id == signed.account_id
