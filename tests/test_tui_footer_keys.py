"""The footer shows only the keys that act on the screen in front, the same action has the
same key on every screen, and Textual's own English words do not show in the French UI."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.accounts.account import AccountScreen
from immo_connect.tui.screens.accounts.profile import ProfileScreen
from immo_connect.tui.screens.eid.eid_link import EidLinkScreen
from immo_connect.tui.screens.eid.eid_prompt import EidPromptScreen
from immo_connect.tui.screens.home import HomeScreen
from immo_connect.tui.screens.organisations.employee_details import EmployeeDetailsScreen
from immo_connect.tui.screens.organisations.organisation_data import OrganisationDataScreen
from immo_connect.tui.widgets.footer import shown_keys
from immo_connect.tui.widgets.safe import Input
from tests.support.accounts import PASSWORD
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.tui import settle, sign_in


def keys(screen: Screen[Any]) -> dict[str, str]:
    """The footer's keys: action -> key."""
    return {action: key for key, _d, action, *_rest in shown_keys(screen)}


def footer_text(app: ImmoConnectApp) -> str:
    return " ".join(f"{key} {description}" for key, description, *_rest in shown_keys(app.screen))


async def test_edit_keys_show_only_in_edit_mode_and_state_keys_only_when_they_act(platform: Platform) -> None:
    anne = make_account("anne.peeters", password=PASSWORD)
    marc = make_account("marc.dubois", first_name="Marc", last_name="Dubois")
    organisation = make_organisation(anne, name="Immo Peeters")
    membership = add_member(organisation, marc)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sign_in(app, anne)

        await app.push_screen(EmployeeDetailsScreen(organisation.id, membership.id))
        await settle(pilot)
        shown = keys(app.screen)
        assert {"edit", "block", "delete", "toggle_manager"} <= set(shown)
        assert not {"save", "activate", "confirm"} & set(shown)  # active: nothing to save, activate, confirm
        await pilot.press("m")
        await settle(pilot)
        shown = keys(app.screen)
        assert shown["save"] == "ctrl+s"
        assert not {"edit", "block", "delete", "toggle_manager"} & set(shown)  # one thing at a time
        await pilot.press("escape")
        await settle(pilot)
        assert "save" not in keys(app.screen)
        app.pop_screen()
        await pilot.pause()

        await app.push_screen(OrganisationDataScreen(organisation.id))
        await settle(pilot)
        assert "save" not in keys(app.screen) and "edit" in keys(app.screen)
        await pilot.press("m")
        await settle(pilot)
        assert "save" in keys(app.screen) and not {"edit", "employees", "tools", "wallet"} & set(keys(app.screen))
        app.pop_screen()
        await pilot.pause()

        await app.push_screen(ProfileScreen())
        await settle(pilot)
        assert not {"save", "load_photo"} & set(keys(app.screen))
        await pilot.press("e")
        await settle(pilot)
        assert {"save", "load_photo"} <= set(keys(app.screen))


async def test_link_the_eid_is_offered_only_without_a_linked_eid(platform: Platform) -> None:
    anne = make_account("anne.peeters", password=PASSWORD, eid_linked_at=platform.clock.now())
    julie = make_account("julie.lambert", password=PASSWORD)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for account, linked in ((anne, True), (julie, False)):
            sign_in(app, account)
            for screen in (HomeScreen(), AccountScreen()):
                await app.push_screen(screen)
                await settle(pilot)
                offered = keys(app.screen).get("link_eid")
                assert offered == (None if linked else "ctrl+l"), (account.username, screen, offered)
                app.pop_screen()
                await pilot.pause()


async def test_skipping_the_eid_has_the_same_key_on_both_screens(platform: Platform) -> None:
    julie = make_account("julie.lambert", password=PASSWORD)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sign_in(app, julie)
        found = []
        for screen in (EidPromptScreen(), EidLinkScreen()):
            await app.push_screen(screen)
            await settle(pilot)
            found.append(keys(app.screen).get("skip"))
            app.pop_screen()
            await pilot.pause()
        assert found == ["ctrl+g", "ctrl+g"]


ENGLISH_OF_TEXTUAL = ("palette", "Search for commands", "No matches found", "Dismiss menu", "Select",
                      "Theme", "Screenshot", "Keys", "Quit the application")


async def test_no_english_word_of_textual_in_the_french_ui(platform: Platform) -> None:
    anne = make_account("anne.peeters", password=PASSWORD)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sign_in(app, anne)
        await app.push_screen(HomeScreen())
        await settle(pilot)
        footer = footer_text(app)
        assert "ctrl+p Commandes" in footer and not [w for w in ENGLISH_OF_TEXTUAL if w in footer], footer
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette = app.screen
        field = palette.query_one(Input)
        assert field.placeholder == "Rechercher une commande…"
        shown = " ".join(str(option.prompt) for option in palette.query_one("CommandList").options)  # type: ignore[attr-defined]
        assert "Mon profil" in shown  # the screen's own actions, in French
        assert not [word for word in ENGLISH_OF_TEXTUAL if word in shown], shown
        await pilot.press(*"zzzz")
        await settle(pilot, lambda: "Aucune commande" in " ".join(
            str(option.prompt) for option in palette.query_one("CommandList").options))  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
