"""A tool's screen cannot take the app down: a failure closes that screen, logs it, says so."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.tools._tool_launch import open_tool
from immo_connect.tui.screens.tools.tools import ToolsScreen
from immo_connect.tui.widgets.safe import Button, Label
from tests.support.factories import make_account, make_organisation
from tests.support.tools import AGENT_AND_SYNDIC, MakePlatform, link_identity, registers_config
from tests.support.tui import settle, sign_in


@pytest.fixture
def platform(make_platform: MakePlatform) -> Platform:
    return make_platform(config_text=registers_config())


SECRET = "national number 85.07.30-033.28"  # a local of the failing code: never on screen


class CrashingScreen(Screen[None]):
    """A vendor screen that fails where it is told to (``context.fail_in``)."""

    BINDINGS = [Binding("ctrl+b", "boom", "Boom", id="crash-boom")]
    fail_in = "compose"

    def __init__(self, context: Any) -> None:
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        secret = SECRET  # noqa: F841 - a local Rich would print in a traceback
        if self.fail_in == "compose":
            raise RuntimeError("vendor bug in compose")
        yield Label("Vendor tool")
        yield Button("Go", id="crash-go")

    def on_mount(self) -> None:
        if self.fail_in == "mount":
            raise RuntimeError("vendor bug in mount")
        self.query_one("#crash-go").focus()

    def action_boom(self) -> None:
        raise RuntimeError("vendor bug in an action")

    def on_button_pressed(self) -> None:
        raise RuntimeError("vendor bug in a handler")


@pytest.mark.parametrize("fail_in", ["compose", "mount", "action", "handler"])
async def test_a_crashing_vendor_screen_is_closed_and_the_app_goes_on(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, fail_in: str,
) -> None:
    marc = make_account("marc.janssens", first_name="Marc", last_name="Janssens")
    link_identity(platform, marc, AGENT_AND_SYNDIC)
    agency = make_organisation(marc, name="Agence du Parc")
    platform.tools.register(marc, agency.id, "bizmart", "agent")
    context = platform.tools.start(marc, "bizmart", agency.id, "agent")
    bizmart = platform.plugins.tool("bizmart")
    monkeypatch.setattr(bizmart, "screen", f"{__name__}:CrashingScreen")  # the vendor's screen
    monkeypatch.setattr(CrashingScreen, "fail_in", fail_in)
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("immo_connect.tui")  # its own handler: whatever other tests did to logging
    logger.addHandler(handler)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(100, 30)) as pilot:
        sign_in(app, marc)
        await app.push_screen(ToolsScreen(agency.id))
        await settle(pilot)
        tools_screen = app.screen
        try:
            assert open_tool(app, context)
            await settle(pilot)
            if fail_in == "action":
                await pilot.press("ctrl+b")
            elif fail_in == "handler":
                await pilot.press("enter")
            await settle(pilot)
        finally:
            logger.removeHandler(handler)
        assert app.is_running and app.return_code is None
        assert app.screen is tools_screen  # the tool's screen is gone, the page under it stays
        notes = [n.message for n in app._notifications]
        assert any("bizmart" in note and "fermé" in note for note in notes), notes
        assert not any(SECRET in note for note in notes)
        failures = [r for r in records if "bizmart" in r.getMessage()]
        assert failures and failures[0].exc_info is not None
        await pilot.press("escape")  # the app still answers keys
        await settle(pilot)
    assert app.return_code in (None, 0)


async def test_a_bug_elsewhere_ends_with_one_sentence_not_a_traceback(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app._fatal_error()
        rendered = [str(part) for part in app._exit_renderables]
    assert rendered and all("Traceback" not in part and "locals" not in part for part in rendered)
    assert "journal" in rendered[0] or "log" in rendered[0]
