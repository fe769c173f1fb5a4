"""The terminal UI shell, driven like a user: help, palette, back, quit."""

from __future__ import annotations

from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import Markdown

from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.help import HelpScreen
from tests.support.tui import workers_done


def screen_text(app: ImmoConnectApp) -> str:
    return app.export_screenshot().replace("&#160;", " ")


async def test_help_shows_questions_support_contact_and_keys(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        markdown = app.screen.query_one("#help-text", Markdown)
        text = markdown.source
        assert "Questions courantes" in text
        assert platform.settings.platform.support_email in text
        assert "Mot de passe oublié ?" in text
        assert "| `?` | Aide |" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_question_mark_opens_help_when_no_input_has_focus(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause()
        app.screen.set_focus(None)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_palette_lists_every_described_binding_and_runs_it(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"aide")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, HelpScreen)


def test_every_app_binding_has_an_id_and_a_description() -> None:
    for binding in ImmoConnectApp.BINDINGS:
        assert isinstance(binding, Binding)
        assert binding.id, binding
        assert binding.description, binding


async def test_quit_key_exits(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause()
        app.screen.set_focus(None)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
    assert not app.is_running


def test_checkboxes_show_their_state_with_a_mark_not_only_a_colour() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "tui"
    stock = [
        f"{path.relative_to(root.parent)}:{number}"
        for path in root.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"(?<![A-Za-z])Checkbox\(", line) and not line.startswith("class Checkbox(")
    ]
    assert stock == [], "use MarkedCheckbox, which shows ✓ when ticked"


async def test_marked_checkbox_shows_a_tick_only_when_ticked(platform: Platform) -> None:
    from textual.app import App, ComposeResult

    from immo_connect.tui.widgets.marked_checkbox import MarkedCheckbox

    class Probe(App[None]):
        def compose(self) -> ComposeResult:
            yield MarkedCheckbox("Accept", id="box")

    app = Probe()
    async with app.run_test() as pilot:
        box = app.query_one("#box", MarkedCheckbox)
        assert "✓" not in box.render().plain  # type: ignore[union-attr]
        box.focus()
        await pilot.press("space")
        assert box.value is True
        assert "✓" in box.render().plain  # type: ignore[union-attr]


async def test_platform_is_built_after_the_sign_in_screen_is_painted(platform: Platform) -> None:
    from immo_connect.tui.screens.accounts.login import LoginScreen

    seen: list[str] = []
    app: ImmoConnectApp

    def build() -> Platform:
        seen.append(type(app.screen).__name__)  # what is on screen when the build starts
        return platform

    app = ImmoConnectApp(build, settings=platform.settings)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause()
        await workers_done(app)
        assert seen == ["LoginScreen"]
        assert isinstance(app.screen, LoginScreen)
        assert app.platform is platform


async def test_a_platform_that_cannot_start_ends_the_app_with_its_message(platform: Platform) -> None:
    from immo_connect.errors import ConfigurationError

    def build() -> Platform:
        raise ConfigurationError("Cannot open the database.", hint="Check IMMO_CONNECT_DATABASE_URL.")

    app = ImmoConnectApp(build, settings=platform.settings)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause()
        await workers_done(app)
        await pilot.pause()
    assert app.return_code == 2
    assert app._platform_error is not None
    assert "IMMO_CONNECT_DATABASE_URL" in str(app._platform_error)
