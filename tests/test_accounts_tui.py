"""The account screens driven like a user: registration and activation (code from a real SMTP
server), sign-in, forgotten password, profile edit with a photo, e-mail change, user menu."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Label

from immo_connect.accounts.models import Account, Address, Profile
from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.accounts.account import AccountScreen
from immo_connect.tui.screens.accounts.activation import ActivationScreen
from immo_connect.tui.screens.accounts.forgot_password import ForgotPasswordScreen
from immo_connect.tui.screens.accounts.login import LoginScreen
from immo_connect.tui.screens.accounts.missing_email import MissingEmailScreen
from immo_connect.tui.screens.accounts.photo import PhotoScreen
from immo_connect.tui.screens.accounts.profile import ProfileScreen
from immo_connect.tui.screens.accounts.register import RegisterScreen
from immo_connect.tui.screens.accounts.reset_password import ResetPasswordScreen
from immo_connect.tui.screens.accounts.user_menu import UserMenuScreen
from immo_connect.tui.screens.eid.eid_prompt import EidPromptScreen
from immo_connect.tui.screens.home import HomeScreen
from tests.support.accounts import PASSWORD, last_code
from tests.support.factories import make_account
from tests.support.smtp import SmtpServer
from tests.support.tui import workers_done

Make = Callable[..., Platform]
SIZE = (120, 50)


async def settle(app: ImmoConnectApp, pilot: Pilot[int]) -> None:
    """Let workers finish and their answers reach the screen."""
    for _ in range(3):
        await pilot.pause()
        await workers_done(app)
    await pilot.pause()


async def type_into(pilot: Pilot[int], selector: str, text: str) -> None:
    """Focus the input, clear it and paste ``text`` (one event: much faster than key by key)."""
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    widget.value = ""
    if text:
        widget.post_message(events.Paste(text))
    await pilot.pause()


async def submit_registration(app: ImmoConnectApp, pilot: Pilot[int], *, username: str | None = None) -> None:
    """Fill the registration form for Anne Peeters, accept the terms and create the account."""
    if username is not None:
        await type_into(pilot, "#register-username", username)
    await type_into(pilot, "#register-first-name", "Anne")
    await type_into(pilot, "#register-last-name", "Peeters")
    await type_into(pilot, "#register-email", "anne@example.be")
    await type_into(pilot, "#register-password", PASSWORD)
    await type_into(pilot, "#register-password-confirmation", PASSWORD)
    app.screen.query_one("#register-terms").focus()
    await pilot.press("space", "ctrl+s")
    await settle(app, pilot)


def message(app: ImmoConnectApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def sign_in(app: ImmoConnectApp, pilot: Pilot[int], identifier: str, password: str) -> None:
    await type_into(pilot, "#login-username", identifier)
    await pilot.press("enter")  # moves to the password
    await type_into(pilot, "#login-password", password)
    await pilot.press("enter")
    await settle(app, pilot)


async def test_register_activate_with_the_mailed_code_and_skip_the_eid(make_platform: Make, smtp_server: SmtpServer) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert isinstance(app.screen, RegisterScreen)
        await pilot.press(*"Anne", "tab", *"Peeters")
        await pilot.pause()
        assert app.screen.query_one("#register-username", Input).value == "anne.peeters"
        await type_into(pilot, "#register-email", "info@example.be")
        await pilot.pause()
        assert "info@" in message(app, "#register-email-warning")
        await type_into(pilot, "#register-email", "anne@example.be")
        await type_into(pilot, "#register-password", "court")
        await type_into(pilot, "#register-password-confirmation", "court")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "trop court" in message(app, "#register-message")
        assert app.screen.focused is app.screen.query_one("#register-password")
        assert Account.select().count() == 0
        await type_into(pilot, "#register-password", PASSWORD)
        await type_into(pilot, "#register-password-confirmation", PASSWORD)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "conditions d'utilisation" in message(app, "#register-message")
        app.screen.query_one("#register-terms").focus()
        await pilot.press("space", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ActivationScreen)
        await pilot.press("f2")  # no user menu before the account is ready
        await settle(app, pilot)
        assert isinstance(app.screen, ActivationScreen)

        platform.outbox.deliver_all_due()
        code = smtp_server.last_code("anne@example.be")
        await type_into(pilot, "#activation-code", "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "✗" in message(app, "#activation-message") and "4" in message(app, "#activation-message")
        await type_into(pilot, "#activation-code", code)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, EidPromptScreen)
        assert Account.get(Account.username == "anne.peeters").status == "active"
        await pilot.press("i")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "Anne Peeters" in message(app, "#home-greeting")
        assert "✗" in message(app, "#home-status")


async def test_sign_in_refusal_then_success_and_user_menu(platform: Platform) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD, eid_linked_at=platform.clock.now())
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await sign_in(app, pilot, "anne.peeters", "mauvais mot 1")
        assert "n'est pas correct" in message(app, "#login-message")
        assert app.screen.query_one("#login-password", Input).value == ""
        await sign_in(app, pilot, "anne@example.be", PASSWORD)
        assert isinstance(app.screen, HomeScreen)  # eID linked: no proposal
        assert app.session.username == "anne.peeters"
        assert "✓" in message(app, "#home-status")
        await pilot.press("f2")
        await settle(app, pilot)
        assert isinstance(app.screen, UserMenuScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.click("#user-menu")  # the name top right opens the menu too (not a Tab stop)
        await settle(app, pilot)
        assert isinstance(app.screen, UserMenuScreen)
        await pilot.press("end", "enter")  # the last entry: sign out
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.session is None


async def test_forgotten_password_through_both_screens(make_platform: Make, smtp_server: SmtpServer) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD, eid_linked_at=platform.clock.now())
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_into(pilot, "#login-username", "anne@example.be")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert isinstance(app.screen, ForgotPasswordScreen)
        assert app.screen.query_one("#forgot-email", Input).value == "anne@example.be"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ResetPasswordScreen)
        platform.outbox.deliver_all_due()
        code = smtp_server.last_code("anne@example.be")
        await type_into(pilot, "#reset-code", code)
        await type_into(pilot, "#reset-password", "orage sur la mer du nord")
        await type_into(pilot, "#reset-password-confirmation", "orage sur la mer")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "pas identiques" in message(app, "#reset-message")
        await type_into(pilot, "#reset-password", "orage sur la mer du nord")
        await type_into(pilot, "#reset-password-confirmation", "orage sur la mer du nord")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        await sign_in(app, pilot, "anne.peeters", "orage sur la mer du nord")
        assert isinstance(app.screen, HomeScreen)


async def test_profile_edit_with_a_photo(platform: Platform, tmp_path: Path) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD, eid_linked_at=platform.clock.now())
    picture = tmp_path / "moi.png"
    Image.new("RGB", (300, 200), (200, 30, 30)).save(picture)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await sign_in(app, pilot, "anne.peeters", PASSWORD)
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen)
        await pilot.press("e")
        await settle(app, pilot)
        assert app.screen.editing
        assert app.screen.query_one("#profile-last_name", Input).disabled
        await type_into(pilot, "#profile-mobile", "0470 12 34 56")
        await type_into(pilot, "#profile-website", "pas une adresse")
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert isinstance(app.screen, PhotoScreen)
        await type_into(pilot, "#photo-path", str(picture))
        await pilot.press("enter")
        await settle(app, pilot)
        assert "300 × 200" in message(app, "#photo-message")
        await pilot.press("plus", "right")  # zoom in, move the frame: the preview has the focus
        await settle(app, pilot)
        assert app.screen.crop.side < 200
        app.screen.query_one("#photo-load").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert Profile.get_or_none(Profile.account == app.session.account_id) is None  # not before saving
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "adresse web" in message(app, "#profile-message")
        assert app.screen.focused is app.screen.query_one("#profile-website")
        await type_into(pilot, "#profile-website", "www.immo-peeters.be")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "✓" in message(app, "#profile-message")
        assert not app.screen.editing
        profile = Profile.get(Profile.account == app.session.account_id)
        assert profile.mobile == "0470 12 34 56" and profile.website == "https://www.immo-peeters.be"
        assert profile.photo is not None and bytes(profile.photo)[:2] == b"\xff\xd8"  # a JPEG


async def test_profile_edit_mode_can_be_left_without_saving(platform: Platform) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD, eid_linked_at=platform.clock.now())
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await sign_in(app, pilot, "anne.peeters", PASSWORD)
        await pilot.press("p")
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        app.screen.query_one("#profile-address-add").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press(*"Rue")
        await pilot.press("escape")
        await settle(app, pilot)
        assert not app.screen.editing
        assert not app.screen.query("#profile-address-0-street")
        assert any(str(label.render()) == "Pas encore d'adresse." for label in app.screen.query(Label))
        assert Address.select().count() == 0


async def test_change_the_email_address_in_two_steps(make_platform: Make, smtp_server: SmtpServer) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD, eid_linked_at=platform.clock.now())
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await sign_in(app, pilot, "anne.peeters", PASSWORD)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen)
        await type_into(pilot, "#account-new-email", "anne.nouvelle@example.be")
        await type_into(pilot, "#account-email-password", PASSWORD)
        await pilot.press("enter")
        await settle(app, pilot)
        assert not app.screen.query_one("#account-email-confirm").has_class("hidden")
        platform.outbox.deliver_all_due()
        code = smtp_server.last_code("anne.nouvelle@example.be")
        assert Account.get(Account.username == "anne.peeters").email == "anne@example.be"
        await type_into(pilot, "#account-email-code", code)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "anne.nouvelle@example.be" in message(app, "#account-email-message")
        assert Account.get(Account.username == "anne.peeters").email == "anne.nouvelle@example.be"
        platform.outbox.deliver_all_due()
        assert "anne.nouvelle@example.be" in smtp_server.last_message("anne@example.be").text

        await pilot.press("ctrl+t")
        await type_into(pilot, "#account-current-password", PASSWORD)
        await type_into(pilot, "#account-new-password", "orage sur la mer du nord")
        await type_into(pilot, "#account-new-password-confirmation", "orage sur la mer du nord")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "✓" in message(app, "#account-password-message")


async def test_imported_account_adds_its_missing_email_first(platform: Platform) -> None:
    make_account("jdupont", email=None, password=PASSWORD)
    Account.update(email=None).where(Account.username == "jdupont").execute()
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await sign_in(app, pilot, "jdupont", PASSWORD)
        assert isinstance(app.screen, MissingEmailScreen)
        await type_into(pilot, "#missing-email", "jean@example.be")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ActivationScreen)
        await type_into(pilot, "#activation-code", last_code("jean@example.be"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, EidPromptScreen)
        assert Account.get(Account.username == "jdupont").email == "jean@example.be"


def test_every_binding_of_the_account_screens_has_an_id_and_a_description() -> None:
    from textual.binding import Binding

    from immo_connect.tui.screens.accounts.photo import PhotoPreview

    screens = (LoginScreen, RegisterScreen, ActivationScreen, MissingEmailScreen, ForgotPasswordScreen,
               ResetPasswordScreen, HomeScreen, UserMenuScreen, EidPromptScreen, ProfileScreen, PhotoScreen,
               AccountScreen, PhotoPreview)
    for screen in screens:
        for binding in vars(screen).get("BINDINGS", []):  # its own, not Textual's
            assert isinstance(binding, Binding) and binding.id and binding.description, (screen, binding)


async def test_taken_username_offers_free_variants_as_buttons(platform: Platform) -> None:
    make_account("anne.peeters", email="autre@example.be")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        await submit_registration(app, pilot)
        assert "existe déjà" in message(app, "#register-message")
        suggestion = app.screen.query_one("#register-suggestion-0")
        suggestion.focus()
        await pilot.press("enter")
        await pilot.pause()
        chosen = app.screen.query_one("#register-username", Input).value
        assert chosen != "anne.peeters" and chosen == str(suggestion.label)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ActivationScreen)
        assert Account.get(Account.email == "anne@example.be").username == chosen
