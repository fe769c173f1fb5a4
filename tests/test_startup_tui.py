"""The first screen: what the user sees and can do as soon as the app starts."""

from __future__ import annotations

from textual.widgets import Button, Input
from textual.widgets._footer import FooterKey

from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.accounts.login import LoginScreen
from immo_connect.tui.widgets.footer import AppFooter
from tests.support.tui import settle


def footer_keys(app: ImmoConnectApp) -> list[str]:
    return [key.key for key in app.screen.query(FooterKey)]


async def test_sign_in_starts_in_the_username_field_with_its_keys_in_the_footer(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert isinstance(app.focused, Input) and app.focused.id == "login-username"
        # Typing goes to the field, so the one-letter keys are not offered; ctrl+q quits from anywhere.
        # As many whole keys as 100 columns hold (F2 is the name top right, and in the help).
        assert footer_keys(app) == ["ctrl+n", "ctrl+r", "ctrl+q", "escape", "f6", "ctrl+p"]
        descriptions = [key.description for key in app.screen.query(FooterKey)]
        assert "Créer un nouveau compte" in descriptions and "Mot de passe oublié ?" in descriptions


async def test_footer_follows_the_focus_and_keeps_its_keys_when_they_do_not_change(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        first = list(app.screen.query(FooterKey))
        await pilot.press("tab")  # to the password field: the same keys apply
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "login-password"
        assert list(app.screen.query(FooterKey)) == first
        await pilot.press("tab")  # to the sign-in button: "?" works again
        await settle(pilot)
        assert isinstance(app.focused, Button)
        # Outside a field « ? » helps, and comes before the frame's keys that still fit; the
        # language key is kept before back (someone who cannot read the screen needs it).
        assert footer_keys(app) == ["ctrl+n", "ctrl+r", "question_mark", "ctrl+q", "f6", "ctrl+p"]
        await pilot.press("shift+tab")
        await settle(pilot)
        # As many whole keys as 100 columns hold (F2 is the name top right, and in the help).
        assert footer_keys(app) == ["ctrl+n", "ctrl+r", "ctrl+q", "escape", "f6", "ctrl+p"]
        await pilot.press("ctrl+n")  # another screen, then back: its footer shows the sign-in keys
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one(AppFooter).display
        # As many whole keys as 100 columns hold (F2 is the name top right, and in the help).
        assert footer_keys(app) == ["ctrl+n", "ctrl+r", "ctrl+q", "escape", "f6", "ctrl+p"]


def test_the_sign_in_screen_brings_no_style_file_the_app_has_not_loaded(platform: Platform) -> None:
    # A screen with a style file of its own makes Textual parse every style sheet again.
    app = ImmoConnectApp(platform)
    assert set(LoginScreen().css_path) <= set(app.css_path)
