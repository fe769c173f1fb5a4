"""Each person's language: chosen on any screen (before signing in too), shown at once,
stored on the account, used at the next sign-in and by that person's mails; two people
served by one process each keep their own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList
from textual.widgets._footer import FooterKey

from immo_connect import i18n
from immo_connect.accounts.models import Account
from immo_connect.accounts.passwords import PasswordHasher
from immo_connect.errors import ValidationError
from immo_connect.i18n import _
from immo_connect.mail.models import OutboxMessage
from immo_connect.platform import Platform
from immo_connect.tui._service import call_service
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.accounts.activation import ActivationScreen
from immo_connect.tui.screens.accounts.login import LoginScreen
from immo_connect.tui.screens.accounts.register import RegisterScreen
from immo_connect.tui.screens.accounts.user_menu import UserMenuScreen
from immo_connect.tui.screens.home import HomeScreen
from immo_connect.tui.screens.language import LanguageScreen
from tests.support.accounts import PASSWORD
from tests.support.factories import make_account
from tests.support.tools import make_agency
from tests.test_accounts_tui import message, settle, sign_in, submit_registration, type_into

Make = Callable[..., Platform]
SIZE = (120, 50)


def screen_text(app: ImmoConnectApp) -> str:
    """Every label, button and key description on the current screen."""
    parts = [str(widget.render()) for widget in app.screen.query("Label, Button, Static")]
    parts += [key.description for key in app.screen.query(FooterKey)]
    return "\n".join(parts)


async def choose_language(app: ImmoConnectApp, pilot: Pilot[int], language: str) -> None:
    await pilot.press("f6")
    await settle(app, pilot)
    assert isinstance(app.screen, LanguageScreen)
    choices = app.screen.query_one(OptionList)
    choices.highlighted = [option.id for option in choices.options].index(language)
    await pilot.press("enter")
    await settle(app, pilot)


async def test_dutch_chosen_on_the_sign_in_screen_redraws_it_and_the_new_account_keeps_it(
        make_platform: Make) -> None:
    platform = make_platform()
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "Se connecter" in screen_text(app)
        await type_into(pilot, "#login-username", "anne.p")
        await choose_language(app, pilot, "nl")
        assert isinstance(app.screen, LoginScreen)
        shown = screen_text(app)
        assert "Aanmelden" in shown and "Se connecter" not in shown
        assert "Taal" in shown  # the key bar too
        assert str(app.screen.query_one("#language-switch").render()).strip() == "NL"
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert isinstance(app.screen, RegisterScreen)
        assert "Een account aanmaken" in screen_text(app)
        await submit_registration(app, pilot)
        assert isinstance(app.screen, ActivationScreen)
    account = Account.get(Account.email == "anne@example.be")
    assert account.language == "nl"
    assert [m.language for m in OutboxMessage.select().where(OutboxMessage.recipient == "anne@example.be")] == ["nl"]
    assert i18n.get_language() == "fr"  # the test's own context never saw the app's choice


async def test_the_account_s_language_is_spoken_from_the_next_sign_in(platform: Platform) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD, language="nl",
                 eid_linked_at=platform.clock.now())
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "Se connecter" in screen_text(app)  # a stranger: the installation's default
        await sign_in(app, pilot, "anne.peeters", PASSWORD)
        assert isinstance(app.screen, HomeScreen)
        assert "Dag Anne Peeters, welkom bij Immo-Connect." in message(app, "#home-greeting")
        assert str(app.screen.query_one("#language-switch").render()).strip() == "NL"


async def test_a_choice_made_before_signing_in_is_stored_on_the_account(platform: Platform) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD, language="fr",
                 eid_linked_at=platform.clock.now())
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await choose_language(app, pilot, "en")
        await sign_in(app, pilot, "anne.peeters", PASSWORD)
        await settle(app, pilot)
        assert "Hello Anne Peeters, welcome to Immo-Connect." in message(app, "#home-greeting")
    assert Account.get(Account.username == "anne.peeters").language == "en"


async def test_the_user_menu_switches_the_open_screen_and_stores_the_choice(platform: Platform) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD, eid_linked_at=platform.clock.now())
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await sign_in(app, pilot, "anne.peeters", PASSWORD)
        assert "Bonjour Anne Peeters" in message(app, "#home-greeting")
        await pilot.press("f2")
        await settle(app, pilot)
        assert isinstance(app.screen, UserMenuScreen)
        menu = app.screen.query_one(OptionList)
        menu.highlighted = [option.id for option in menu.options].index("language")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LanguageScreen)
        choices = app.screen.query_one(OptionList)
        choices.highlighted = [option.id for option in choices.options].index("en")
        await pilot.press("enter")
        await settle(app, pilot)
        for _turn in range(500):  # the open screens are composed again in the new language, then filled
            if (isinstance(app.screen, HomeScreen) and app.screen.query("#home-greeting")
                    and "Hello" in message(app, "#home-greeting")):
                break
            await pilot.pause(0.02)
        assert isinstance(app.screen, HomeScreen)
        assert "Hello Anne Peeters, welcome to Immo-Connect." in message(app, "#home-greeting")
        shown = screen_text(app)
        assert "Sign out" in shown and "Se déconnecter" not in shown
    assert Account.get(Account.username == "anne.peeters").language == "en"


async def test_switching_on_the_home_screen_keeps_its_data_and_the_app_running(platform: Platform) -> None:
    # The home screen's data is loaded by a worker: the switch composes the screen again and
    # loads it again, and a result landing meanwhile neither crashes the app nor is lost.
    agency = make_agency(platform)
    agency.manager.email = "marc@example.be"
    agency.manager.password_hash = PasswordHasher().hash(PASSWORD)
    agency.manager.save()
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await sign_in(app, pilot, agency.manager.username, PASSWORD)
        assert isinstance(app.screen, HomeScreen)
        for language, greeting in (("en", "Hello Marc"), ("nl", "Dag Marc"), ("fr", "Bonjour Marc")):
            await choose_language(app, pilot, language)
            await settle(app, pilot)
            assert app.is_running and isinstance(app.screen, HomeScreen)
            assert greeting in message(app, "#home-greeting")
            table = app.screen.query_one("#home-organisations", DataTable)
            assert table.row_count == 1 and "Agence du Parc" in str(table.get_row_at(0))


async def test_two_people_served_by_one_process_each_keep_their_language(platform: Platform) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD, language="en",
                 eid_linked_at=platform.clock.now())
    make_account("marc.dubois", email="marc@example.be", password=PASSWORD, language="fr",
                 first_name="Marc", last_name="Dubois", eid_linked_at=platform.clock.now())
    english, french = ImmoConnectApp(platform), ImmoConnectApp(platform)
    async with english.run_test(size=SIZE) as anne, french.run_test(size=SIZE) as marc:
        await settle(english, anne)
        await settle(french, marc)
        await sign_in(english, anne, "anne.peeters", PASSWORD)
        await sign_in(french, marc, "marc.dubois", PASSWORD)
        await settle(english, anne)
        assert "Hello Anne Peeters" in message(english, "#home-greeting")
        assert "Bonjour Marc Dubois" in message(french, "#home-greeting")
        # A service error is written in a worker thread: in each person's language too.
        errors: dict[str, str] = {}
        for name, app in (("anne", english), ("marc", french)):
            with app._context():  # as from the app's own handlers
                call_service(app.screen, "refused", _refuse,
                             on_error=lambda error, name=name: errors.update({name: str(error)}))
        await settle(english, anne)
        await settle(french, marc)
        assert errors["anne"].startswith("This language is not offered.")
        assert errors["marc"].startswith("Cette langue n'est pas proposée.")


def _refuse() -> None:
    raise ValidationError(_("This language is not offered."), hint=_("Choose French, Dutch or English."))


def test_a_bound_choice_stays_in_its_own_thread_and_task() -> None:
    seen: dict[str, str] = {}

    def worker(name: str, language: str) -> None:
        with i18n.using(language):
            barrier.wait()
            seen[name] = i18n.gettext("Help")

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=worker, args=("a", "fr")), threading.Thread(target=worker, args=("b", "en"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a": "Aide", "b": "Help"}

    async def both() -> list[str]:
        choice = i18n.LanguageChoice("fr")

        async def speaker() -> str:
            await asyncio.sleep(0)
            return i18n.gettext("Back")

        with i18n.bind_choice(choice):
            task = asyncio.ensure_future(speaker())
            choice.switch("nl")  # a switch reaches the tasks copied from the bound context
            return [await task, i18n.gettext("Back")]

    assert asyncio.run(both()) == ["Terug", "Terug"]
    assert i18n.get_language() == i18n.default_language()
