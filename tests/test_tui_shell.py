"""The frame of the signed-in screens: the header always says who works under which quality,
with that wallet's balance; the navigation bar says where the person is; F5 changes the
quality from anywhere; the keymap feeds the bindings, the palette and the help."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.keymap import AREAS, GLOBAL_KEYS, SHARED_KEYS
from immo_connect.tui.screens.home import HomeScreen
from immo_connect.tui.screens.quality_switch import QualitySwitchScreen
from immo_connect.tui.screens.wallet.wallet import WalletScreen
from immo_connect.tui.shell import NavigationBar, WorkspaceScreen
from immo_connect.tui.widgets.safe import Input, Label, Static
from immo_connect.tui.workspace import visible_balance
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.tools import AGENT_AND_SYNDIC, MakePlatform, fund, link_identity, registers_config
from tests.support.tui import settle, sign_in

ROOT = Path(__file__).resolve().parents[1]
# Screens shown before the person is signed in (or while a required step is pending).
OUTSIDE_THE_FRAME = {"LoginScreen", "RegisterScreen", "ActivationScreen", "MissingEmailScreen",
                     "ForgotPasswordScreen", "ResetPasswordScreen", "EidPromptScreen", "HelpScreen"}


@pytest.fixture
def platform(make_platform: MakePlatform) -> Platform:
    return make_platform(config_text=registers_config())


def two_organisations(platform: Platform) -> tuple[Any, Any, Any]:
    marc = make_account("marc.janssens", first_name="Marc", last_name="Janssens")
    link_identity(platform, marc, AGENT_AND_SYNDIC)
    first = make_organisation(marc, name="Agence du Parc")
    second = make_organisation(marc, name="Bureau Zénith")
    fund(platform, first, 123_456)
    fund(platform, second, 5_000)
    return marc, first, second


def header(app: ImmoConnectApp) -> str:
    quality = str(app.screen.query_one("#header-quality", Label).render())
    balance = str(app.screen.query_one("#header-balance", Label).render())
    return f"{quality} | {balance}".replace("\u202f", " ").replace("\xa0", " ")


def here(app: ImmoConnectApp) -> str:
    return str(app.screen.query_one(NavigationBar).query_one(".-current", Static).render())


async def open_home(app: ImmoConnectApp, pilot: Any, account: Any) -> None:
    sign_in(app, account)
    await app.push_screen(HomeScreen())
    await settle(pilot)
    await settle(pilot, lambda: app.workspace_quality is not None)


async def test_the_header_shows_the_quality_and_its_balance_and_the_bar_where_you_are(platform: Platform) -> None:
    marc, first, _second = two_organisations(platform)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_home(app, pilot, marc)
        assert header(app) == "◆ Agence du Parc | 1 234,56 €"
        assert here(app) == "▸1 Accueil"  # marked by a symbol, not by colour alone
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, WalletScreen) and app.screen.organisation_id == first.id
        assert here(app) == "▸4 Wallet"
        assert header(app) == "◆ Agence du Parc | 1 234,56 €"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_f5_changes_the_quality_from_anywhere_and_the_area_follows(platform: Platform) -> None:
    marc, _first, second = two_organisations(platform)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_home(app, pilot, marc)
        await pilot.press("4")
        await settle(pilot)
        app.screen.query_one("#wallet-filter-number", Input).focus()  # from inside a field too
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, QualitySwitchScreen)
        texts = [str(option.prompt).replace("\u202f", " ").replace("\xa0", " ")
                 for option in app.screen.query_one("#quality-switch-list").options]
        assert texts[0].startswith("▸") and "Agence du Parc — portefeuille 1 234,56 €" in texts[0]
        assert any("Bureau Zénith — portefeuille 50,00 €" in text for text in texts)
        await pilot.press(*["down"] * next(i for i, t in enumerate(texts) if "Zénith" in t), "enter")
        await settle(pilot)
        assert isinstance(app.screen, WalletScreen) and app.screen.organisation_id == second.id
        assert header(app) == "◆ Bureau Zénith | 50,00 €"


async def test_the_balance_in_the_header_follows_a_charge(platform: Platform) -> None:
    marc, first, _second = two_organisations(platform)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_home(app, pilot, marc)
        await pilot.press("4")
        await settle(pilot)
        fund(platform, first, 100)  # another session tops up the wallet
        app._workspace_loaded_at = 0.0  # as after the throttling pause
        await pilot.press("r")  # any service call of a screen refreshes the header
        await settle(pilot)
        await settle(pilot, lambda: "1 235,56" in header(app))
        assert header(app).endswith("1 235,56 €")


async def test_no_balance_for_who_may_not_see_the_wallet(platform: Platform) -> None:
    marc, first, _second = two_organisations(platform)
    outsider = make_account("paul.outsider")
    pending = make_account("lea.pending")
    add_member(first, pending, status="pending")
    employee = make_account("emma.employee", first_name="Emma", last_name="Willems")
    membership = add_member(first, employee)
    assert visible_balance(platform, marc.id, first.id) == 123_456
    assert visible_balance(platform, outsider.id, first.id) is None
    assert visible_balance(platform, pending.id, first.id) is None
    assert visible_balance(platform, employee.id, first.id) is None  # no wallet right yet
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_home(app, pilot, employee)
        assert header(app) == "◆ Agence du Parc | "  # the quality, without the balance
        platform.wallet.set_employee_right(marc.id, first.id, membership.id, "view")
        assert visible_balance(platform, employee.id, first.id) == 123_456
        app._workspace_loaded_at = 0.0
        await pilot.press("r")
        await settle(pilot, lambda: "234,56" in header(app))
        assert header(app) == "◆ Agence du Parc | 1 234,56 €"


async def test_leaving_a_form_with_typed_text_asks_first(platform: Platform) -> None:
    marc, _first, _second = two_organisations(platform)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_home(app, pilot, marc)
        from immo_connect.tui.screens.organisations.organisation_add import AddOrganisationScreen

        await app.push_screen(AddOrganisationScreen())
        await settle(pilot)
        app.screen.query_one("#add-number", Input).focus()
        await pilot.press(*"0123")
        app.screen.query_one("#add-search").focus()
        await pilot.press("2")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("enter")  # the default answer: stay
        await settle(pilot)
        assert isinstance(app.screen, AddOrganisationScreen)
        assert app.screen.query_one("#add-number", Input).value == "0123"


async def test_the_palette_reaches_the_frame_and_the_user_menu(platform: Platform) -> None:
    from immo_connect.tui.commands import ActionsProvider

    marc, _first, _second = two_organisations(platform)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_home(app, pilot, marc)
        provider = ActionsProvider(app.screen)
        names = [description for description, *_rest in provider._actions()]
        for expected in ("Changer de qualité", "Organisations", "Wallet", "Employés", "Mes clés SSH", "Quitter"):
            assert expected in names, (expected, names)


def _screen_classes() -> list[type[Screen[Any]]]:
    import immo_connect.tui.screens as package

    found: list[type[Screen[Any]]] = []
    for module_info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(module_info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if (issubclass(value, Screen) and value.__module__ == module.__name__
                    and not issubclass(value, ModalScreen)):
                found.append(value)
    return found


def test_every_signed_in_screen_is_in_the_frame() -> None:
    screens = _screen_classes()
    assert len(screens) > 25
    for screen in screens:
        # The back office (operators only, F4) is its own place, outside the users' areas.
        if screen.__name__ in OUTSIDE_THE_FRAME or ".operators." in screen.__module__:
            continue
        assert issubclass(screen, WorkspaceScreen), screen
        assert screen.AREA in {area.id for area in AREAS}, screen


def test_the_same_action_has_the_same_key_on_every_screen() -> None:
    for screen in _screen_classes():
        bound: dict[str, set[str]] = {}
        for binding in vars(screen).get("BINDINGS", []):
            if isinstance(binding, Binding):
                for key in binding.key.split(","):
                    bound.setdefault(binding.action, set()).add(key.strip())
        for action, keys in bound.items():
            if action in SHARED_KEYS:
                assert SHARED_KEYS[action] in keys, (screen, action, keys)
    frame_keys = {key for entry in GLOBAL_KEYS for key in entry.keys.split(",")}
    for screen in _screen_classes():  # a screen never takes a frame key for something else
        for binding in vars(screen).get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.key in frame_keys - {"escape"}:
                assert any(entry.action == binding.action for entry in GLOBAL_KEYS), (screen, binding)


def test_the_shell_imports_no_textual_in_its_data_module() -> None:
    tree = ast.parse((ROOT / "tui" / "workspace.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name and name.startswith("textual") for name in imported)


def test_the_pictures_in_the_tui_docs_exist() -> None:
    import re
    from urllib.parse import unquote

    text = (ROOT / "docs" / "tui.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) >= 4
    for link in links:
        assert (ROOT / "docs" / unquote(link)).resolve().is_file(), link
