"""Keyboard-first forms: the focus starts in the first field, Tab goes from field to field in
the order of the screen with no invisible stop, and an error keeps what was typed, puts the
cursor in the field to fix and is shown beside it and at the top of what is visible (80×24).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget

from immo_connect.accounts.models import Account
from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.accounts.account import AccountScreen
from immo_connect.tui.screens.accounts.login import LoginScreen
from immo_connect.tui.screens.accounts.register import RegisterScreen
from immo_connect.tui.screens.organisations.organisation_add import AddOrganisationScreen
from immo_connect.tui.screens.wallet.topup import TopUpScreen
from immo_connect.tui.screens.wallet.wallet_transfer import WalletTransferScreen
from immo_connect.tui.widgets.forms import ErrorBanner, FieldError, Page
from immo_connect.tui.widgets.safe import Input
from tests.support.accounts import PASSWORD
from tests.support.factories import make_account, make_organisation
from tests.support.topups import SANDBOX_ON
from tests.support.tui import settle, sign_in


def visible_on_screen(screen: Screen[Any], widget: Widget) -> Region:
    """The region ``widget`` is drawn in; fails unless it lies inside the screen and nothing covers it."""
    region = widget.region
    assert region.height > 0 and screen.region.contains_region(region), (widget, region)
    drawn, _ = screen.get_widget_at(region.x, region.y)
    assert drawn is widget or widget in drawn.ancestors, (widget, drawn)
    return region


FORMS: dict[str, Callable[[int], Screen[Any]]] = {
    "sign in": lambda _org: LoginScreen(),
    "register": lambda _org: RegisterScreen(),
    "transfer": WalletTransferScreen,
    "add organisation": lambda _org: AddOrganisationScreen(),
}


@pytest.mark.parametrize("name", list(FORMS))
async def test_the_focus_starts_in_the_first_field_and_tab_follows_the_screen(platform: Platform, name: str) -> None:
    anne = make_account("anne.peeters", password=PASSWORD)
    organisation = make_organisation(anne, name="Immo Peeters")
    make_organisation(anne, name="Immo Peeters Bis")
    make_organisation(anne, name="Immo Peeters Ter")  # two wallets to choose from: none is guessed
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 60)) as pilot:
        await settle(pilot)
        sign_in(app, anne)
        await app.push_screen(FORMS[name](organisation.id))
        await settle(pilot)
        screen = app.screen
        chain = screen.focus_chain
        assert chain, name
        assert screen.focused is chain[0], (name, screen.focused, chain[0])  # the first stop, a field
        assert type(screen.focused).__name__ in ("Input", "Select"), screen.focused
        # No stop the person cannot see: not the page around the form, not the name in the header.
        assert not [w for w in chain if isinstance(w, Page) or w.id == "user-menu"], chain
        # Tab goes down the screen (left to right on one line).
        places = [(w.region.y, w.region.x) for w in chain]
        assert places == sorted(places), (name, list(zip(chain, places, strict=True)))
        for expected in chain[1:]:
            await pilot.press("tab")
            assert screen.focused is expected


async def test_a_refused_password_change_keeps_what_was_typed_and_shows_the_error_in_view(platform: Platform) -> None:
    anne = make_account("anne.peeters", password=PASSWORD)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        sign_in(app, anne)
        await app.push_screen(AccountScreen())
        await settle(pilot)
        await pilot.press("ctrl+t")
        await pilot.pause()
        await pilot.press(*"not the password", "tab", *"orage sur la mer", "tab", *"orage sur la mer", "enter")
        await settle(pilot)
        screen = app.screen
        fields = [screen.query_one(f"#{i}", Input) for i in (
            "account-current-password", "account-new-password", "account-new-password-confirmation")]
        assert [f.value for f in fields] == ["not the password", "orage sur la mer", "orage sur la mer"]
        assert screen.focused is fields[0]  # the field to fix, not the third one
        banner = screen.query_one(ErrorBanner)
        line = screen.query_one(FieldError)
        assert line.field is fields[0] and "✗" in str(line.render())
        assert str(banner.render()) == str(line.render())
        top = visible_on_screen(screen, banner)
        assert top.y <= 2  # under the header, at the top of what is seen
        visible_on_screen(screen, line)
        visible_on_screen(screen, fields[0])
        assert Account.get(Account.username == "anne.peeters").password_hash  # nothing changed

        # Typing the right password takes the error away, beside the field and at the top.
        await pilot.press(*PASSWORD)
        await pilot.pause()
        assert fields[0].value == PASSWORD  # the wrong one was selected: typing replaced it
        assert not screen.query(FieldError)
        assert not banner.display or not str(banner.render()).strip()
        await pilot.press("enter", "enter", "enter")  # field by field, the last one saves
        await settle(pilot)
        assert "✓" in str(screen.query_one("#account-password-message").render())


async def test_the_top_up_opens_in_its_amount_and_the_next_step_is_one_key_away(make_platform: Callable[..., Platform]) -> None:
    platform = make_platform(config_text=SANDBOX_ON)
    anne = make_account("anne.peeters", password=PASSWORD)
    organisation = make_organisation(anne, name="Immo Peeters")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        sign_in(app, anne)
        await app.push_screen(TopUpScreen(organisation.id))
        await settle(pilot, lambda: app.screen.query("#topup-option"))
        await settle(pilot)
        screen = app.screen
        amount = screen.query_one("#topup-amount", Input)
        assert screen.focused is amount
        assert not [w for w in screen.focus_chain if isinstance(w, Page) or w.id == "user-menu"]
        await pilot.press(*"20", "enter")  # below the minimum
        await settle(pilot)
        assert amount.value == "20" and screen.focused is amount
        visible_on_screen(screen, screen.query_one(ErrorBanner))
        visible_on_screen(screen, screen.query_one(FieldError))
        await pilot.press("backspace", "backspace", *"60", "tab")
        assert screen.focused is screen.query_one("#topup-option")
        await pilot.press("tab")
        assert screen.focused is screen.query_one("#topup-pay")
        await pilot.press("enter")
        await settle(pilot, lambda: not screen.query_one("#topup-simulate").has_class("hidden"))
        await settle(pilot)
        assert screen.focused is screen.query_one("#simulate-paid")  # « Payer » leads to the next step
        await pilot.press("tab")
        assert screen.focused is screen.query_one("#simulate-failed")
