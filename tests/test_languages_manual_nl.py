"""The manual in Dutch, end to end: a person switches to Nederlands on the sign-in screen,
registers, gets the activation mail in Dutch, activates, links her eID, has an organisation
with a registered tool, chooses her quality, tops up the wallet, exports the CSV and the
voucher, all in Dutch; the next sign-in is in Dutch without choosing again; a French and an
English colleague of the same organisation, at the same time, each see their own language.
(Over SSH: tests/test_languages_ssh.py; every screen in each language: tests/test_languages_walk.py.)"""

from __future__ import annotations

import io
import subprocess

import pytest

from immo_connect import i18n
from immo_connect.accounts.models import Account
from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.accounts.activation import ActivationScreen
from immo_connect.tui.screens.accounts.register import RegisterScreen
from immo_connect.tui.screens.home import HomeScreen
from immo_connect.tui.screens.organisations.employees import EmployeesScreen
from immo_connect.tui.screens.tools.quality import QualityScreen
from immo_connect.tui.screens.wallet.wallet import WalletScreen
from immo_connect.wallet.models import WalletTransaction
from tests.support.accounts import PASSWORD, last_code, mails_to
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.tools import AGENT, MakePlatform, fund, link_identity, registers_config
from tests.test_accounts_tui import message, settle, sign_in, submit_registration, type_into
from tests.test_languages_switch import SIZE, choose_language
from tests.test_languages_walk import foreign_words, on_screen

# Names, addresses and codes a Dutch text holds as they are.
KEPT = ("Immo-Connect", "Agence Lumière", "Immo Peeters", "anne@example.be", "CadastreFinder")


def dutch_only(text: str) -> list[str]:
    for kept in KEPT:
        text = text.replace(kept, " ")
    return foreign_words(text, "nl")


@pytest.fixture
def platform(make_platform: MakePlatform) -> Platform:
    return make_platform(config_text=registers_config())


@pytest.mark.slow
async def test_the_manual_in_dutch_from_the_sign_in_screen_to_the_voucher(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await choose_language(app, pilot, "nl")  # before anyone is known
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert isinstance(app.screen, RegisterScreen) and dutch_only(on_screen(app)) == []
        await submit_registration(app, pilot, username="anne.peeters")
        assert isinstance(app.screen, ActivationScreen) and dutch_only(on_screen(app)) == []

        [mail] = mails_to("anne@example.be")  # the activation mail, in the language of the screen
        assert mail.language == "nl"
        assert dutch_only(f"{mail.subject}\n{mail.plain_text()}") == [], mail.plain_text()
        assert "Hier is de code om uw Immo-Connect-account (anne.peeters) te activeren" in mail.plain_text()
        await type_into(pilot, "#activation-code", last_code("anne@example.be"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert dutch_only(on_screen(app)) == []  # the eID prompt that follows

    anne = Account.get(Account.username == "anne.peeters")
    assert anne.language == "nl"
    anne = link_identity(platform, anne, AGENT)  # as a verified card does (the card itself: tests/test_eid_*.py)
    organisation = make_organisation(anne, name="Immo Peeters")
    terms = platform.tools.tool("cadastrefinder").terms
    assert terms is not None
    platform.tools.register(anne, organisation.id, "cadastrefinder", "agent", terms_version=terms.version)
    fund(platform, organisation, 250_00)

    # Next sign-in: Dutch without choosing again; the quality choice and the wallet in Dutch.
    app = ImmoConnectApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await sign_in(app, pilot, "anne.peeters", PASSWORD)
        assert isinstance(app.screen, HomeScreen)
        assert message(app, "#home-greeting").startswith("Dag Anne Peeters")
        for screen in (QualityScreen("cadastrefinder", organisation_id=organisation.id), WalletScreen(organisation.id)):
            await app.push_screen(screen)
            await settle(app, pilot)
            assert dutch_only(on_screen(app)) == [], type(screen).__name__
            app.pop_screen()
            await settle(app, pilot)

    # The CSV and the voucher she takes from the wallet, in Dutch.
    with i18n.using("nl"):  # as the screens' workers run, in her language
        out = io.BytesIO()
        platform.wallet.write_csv(anne, organisation.id, out)
    header, first_row = out.getvalue().decode("utf-8").splitlines()[:2]
    assert dutch_only(header) == [] and "Bedrag" in header, header
    assert "250,00" in first_row  # the decimal comma Belgian Excel reads
    top_up = WalletTransaction.select().where(WalletTransaction.amount > 0).get()
    pdf = platform.wallet.voucher_pdf(anne, int(top_up.id))
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    assert dutch_only(text.decode("utf-8")) == [], text.decode("utf-8")
    assert "250,00 €" in text.decode("utf-8")


@pytest.mark.slow
async def test_three_colleagues_of_one_organisation_each_in_their_own_language(make_platform: MakePlatform) -> None:
    platform = make_platform()
    els = make_account("els.peeters", first_name="Els", last_name="Peeters", password=PASSWORD, language="nl",
                       eid_linked_at=platform.clock.now())
    organisation = make_organisation(els, name="Agence Lumière")
    for username, first_name, language in (("marc.dubois", "Marc", "fr"), ("john.smith", "John", "en")):
        colleague = make_account(username, first_name=first_name, last_name="Collega", password=PASSWORD,
                                 language=language, eid_linked_at=platform.clock.now())
        add_member(organisation, colleague, is_manager=True)
    apps = {language: ImmoConnectApp(platform) for language in ("nl", "fr", "en")}
    people = {"nl": "els.peeters", "fr": "marc.dubois", "en": "john.smith"}
    async with apps["nl"].run_test(size=SIZE) as nl, apps["fr"].run_test(size=SIZE) as fr, \
            apps["en"].run_test(size=SIZE) as en:
        pilots = {"nl": nl, "fr": fr, "en": en}
        for language, app in apps.items():
            await settle(app, pilots[language])
            await sign_in(app, pilots[language], people[language], PASSWORD)
        for app in apps.values():  # all three open the same list at the same time
            with app._context():  # as from each app's own handlers: its screen is built for its person
                await app.push_screen(EmployeesScreen(organisation.id))
        for language, app in apps.items():
            await settle(app, pilots[language])
        shown = {language: on_screen(app) for language, app in apps.items()}
    for language, text in shown.items():
        assert foreign_words(text.replace("Agence Lumière", " "), language) == [], (language, text)
    assert "Medewerkers" in shown["nl"] and "Employés" in shown["fr"] and "Employees" in shown["en"]
