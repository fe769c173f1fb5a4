"""The keyboard never fights the person: no letter quits, typed-ahead keys land where meant.

Keys are posted in one burst, without waiting between them, as a password manager or a fast
typist over SSH sends them.
"""

from __future__ import annotations

import re

from textual import events

from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.accounts.login import LoginScreen
from immo_connect.tui.screens.accounts.register import RegisterScreen
from immo_connect.tui.screens.confirm_dialog import ConfirmDialog
from immo_connect.tui.widgets.forms import ErrorBanner, FieldError
from immo_connect.tui.widgets.safe import Input
from tests.support.tui import settle

KEY_NAMES = {"\t": "tab", "\r": "enter", ".": "full_stop", "-": "minus", "@": "at"}


def burst(app: ImmoConnectApp, text: str) -> None:
    """Post every key of ``text`` at once (tab and enter as \\t and \\r)."""
    for character in text:
        key = KEY_NAMES.get(character, character)
        printable = None if character in "\t\r" else character
        app.post_message(events.Key(key, printable))


async def test_username_tab_password_enter_typed_at_once_lands_in_the_right_fields(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, "anne.peeters\tsecret-password\r")  # as the first screen is being built
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        assert screen.query_one("#login-username", Input).value == "anne.peeters"
        assert screen.query_one("#login-password", Input).value == ""  # refused: emptied
        assert "✗" in str(screen.query_one("#login-message").render())  # the refusal is shown


async def test_no_single_letter_quits_and_ctrl_q_does(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("tab", "tab", "tab")  # focus on a button
        await pilot.press("q", "Q", "x")
        await settle(pilot)
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_quitting_with_unsaved_input_asks_first(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(RegisterScreen())
        await settle(pilot)
        await pilot.press(*"Anne")
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")  # the default answer: no, stay
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, RegisterScreen)
        assert "Anne" in [field.value for field in app.screen.query(Input)]
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("tab", "enter")  # "Quit without saving"
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_an_error_on_a_long_form_is_shown_inside_the_screen_at_80x24(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(RegisterScreen())
        await settle(pilot)
        await pilot.press(*"Anne", "tab", *"Peeters")
        await pilot.press("ctrl+s")  # no e-mail, no password: refused
        await settle(pilot)
        message = app.screen.query_one("#register-message")
        assert "✗" in str(message.render())
        # Shown at the top of what is visible and beside the field at fault, both inside the screen.
        for shown in (app.screen.query_one(ErrorBanner), app.screen.query_one(FieldError)):
            region = shown.region
            assert region.height > 0 and app.screen.region.contains_region(region), (shown, region)
            assert "✗" in str(shown.render())
        assert app.screen.focused is app.screen.query_one(FieldError).field
        assert isinstance(app.screen.focused, Input)
        assert [f.value for f in app.screen.query(Input)][:2] == ["Anne", "Peeters"]  # what was typed stays


def test_the_documented_key_map_matches_the_app() -> None:
    from pathlib import Path

    from immo_connect.tui.keymap import GLOBAL_KEYS

    text = (Path(__file__).resolve().parents[1] / "docs" / "tui.md").read_text(encoding="utf-8")
    first_cells = re.findall(r"^\| (`[^|]+)\|", text, re.MULTILINE)
    documented = {key for cell in first_cells for key in re.findall(r"`([^`]+)`", cell)}
    for entry in GLOBAL_KEYS:  # the keymap the app's bindings are built from
        assert entry.shown_key in documented, entry
    assert {b.key for b in ImmoConnectApp.BINDINGS} == {e.keys for e in GLOBAL_KEYS}  # type: ignore[union-attr]
    quit_keys = [b.key for b in ImmoConnectApp.BINDINGS if b.action == "quit"]  # type: ignore[union-attr]
    assert quit_keys == ["ctrl+q"]  # no single letter quits
