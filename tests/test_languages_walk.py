"""The main screens walked in each language: no word of another language is left on screen.

Each language has a short list of words that only it uses on these screens; a screen shown in
one language fails when it holds a word of another's list (Textual's own texts included: the
key bar and the palette's key)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.accounts.account import AccountScreen
from immo_connect.tui.screens.accounts.forgot_password import ForgotPasswordScreen
from immo_connect.tui.screens.accounts.login import LoginScreen
from immo_connect.tui.screens.accounts.profile import ProfileScreen
from immo_connect.tui.screens.accounts.recognitions import RecognitionsScreen
from immo_connect.tui.screens.accounts.register import RegisterScreen
from immo_connect.tui.screens.accounts.ssh_keys import SshKeysScreen
from immo_connect.tui.screens.home import HomeScreen
from immo_connect.tui.screens.organisations.organisations import MyOrganisationsScreen
from immo_connect.tui.screens.tools.tools import ToolsScreen
from immo_connect.tui.screens.wallet.wallet import WalletScreen
from tests.support.factories import make_account, make_organisation
from tests.support.tui import settle, sign_in

# Words each language uses on these screens and the others never do.
WORDS: dict[str, tuple[str, ...]] = {
    "fr": ("Se connecter", "Mot de passe", "Retour", "Quitter", "Aide", "Bonjour", "Outils", "Enregistrer",
           "Annuler", "Mon profil", "Mes organisations", "Se déconnecter", "Langue", "Recharger", "Rafraîchir",
           "Champ suivant", "Fermer", "Adresse e-mail", "Ajouter", "Actualiser", "Employés", "Solde"),
    "nl": ("Aanmelden", "Wachtwoord", "Terug", "Afsluiten", "Toepassingen", "Mijn profiel", "Opladen",
           "Bewaren", "Annuleren", "Taal", "Afmelden", "Startpagina", "Vernieuwen", "Medewerkers", "Saldo",
           "Toevoegen", "Gebruikersmenu", "opdrachten"),
    "en": ("Sign in", "Password", "Back", "Quit", "Tools", "My profile", "Save", "Cancel", "Language",
           "Sign out", "User menu", "Refresh", "Employees", "Balance", "Add ", "Top up", "Home"),
}

SCREENS: list[tuple[str, Callable[[Any], Any]]] = [
    ("sign-in", lambda org: LoginScreen()),
    ("registration", lambda org: RegisterScreen()),
    ("forgotten password", lambda org: ForgotPasswordScreen()),
    ("home", lambda org: HomeScreen()),
    ("profile", lambda org: ProfileScreen()),
    ("account", lambda org: AccountScreen()),
    ("SSH keys", lambda org: SshKeysScreen()),
    ("organisations", lambda org: MyOrganisationsScreen()),
    ("recognitions", lambda org: RecognitionsScreen()),
    ("tools", lambda org: ToolsScreen(org.id)),
    ("wallet", lambda org: WalletScreen(org.id)),
]


def on_screen(app: ImmoConnectApp) -> str:
    parts = [str(widget.render()) for widget in app.screen.query("Label, Button, Static")]
    parts += [key.description for key in app.screen.query(FooterKey)]
    for table in app.screen.query(DataTable):
        parts += [str(column.label) for column in table.columns.values()]
    return "\n".join(parts)


def foreign_words(text: str, language: str) -> list[str]:
    return sorted({f"{other}: {word!r}" for other, words in WORDS.items() if other != language
                   for word in words if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)})


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
async def test_the_main_screens_speak_one_language(platform: Platform, language: str) -> None:
    person = make_account("jan.peeters", first_name="Jan", last_name="Peeters", language=language)
    organisation = make_organisation(person, name="Agentschap Zuid")
    app = ImmoConnectApp(platform)
    found: dict[str, list[str]] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        app.language_choice.switch(language)
        for name, build in SCREENS:
            if name == "home":
                sign_in(app, person)
            await app.push_screen(build(organisation))
            await settle(pilot)
            wrong = foreign_words(on_screen(app), language)
            if wrong:
                found[name] = wrong
            app.pop_screen()
            await settle(pilot)
    assert found == {}, f"Words of another language on the {language} screens: {found}"
