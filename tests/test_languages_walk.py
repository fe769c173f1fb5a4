"""Every screen walked in each language, the back office's too: no word of another language is left on screen.

Each language has a short list of words that only it uses on these screens; a screen shown in
one language fails when it holds a word of another's list (Textual's own texts included: the
key bar and the palette's key)."""

from __future__ import annotations

import re

import pytest
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from immo_connect.accounts.models import Account
from immo_connect.tui.app import ImmoConnectApp
from tests.support.tools import MakePlatform, registers_config
from tests.support.tui import settle
from tests.test_operators_snapshots import SCENES as OPERATOR_SCENES
from tests.test_operators_snapshots import show as show_back_office
from tests.test_tui_snapshots import SCREENS, build_scene

# Words each language uses on these screens and the others never do.
WORDS: dict[str, tuple[str, ...]] = {
    "fr": ("Se connecter", "Mot de passe", "Retour", "Quitter", "Aide", "Bonjour", "Outils", "Enregistrer",
           "Annuler", "Mon profil", "Mes organisations", "Se déconnecter", "Langue", "Recharger", "Rafraîchir",
           "Champ suivant", "Fermer", "Adresse e-mail", "Ajouter", "Actualiser", "Employés", "Solde"),
    "nl": ("Aanmelden", "Wachtwoord", "Terug", "Afsluiten", "Toepassingen", "Mijn profiel", "Opladen",
           "Bewaren", "Annuleren", "Taal", "Afmelden", "Startpagina", "Vernieuwen", "Medewerkers", "Saldo",
           "Toevoegen", "Gebruikersmenu", "opdrachten"),
    "en": ("Sign in", "Password", "Back", "Quit", "Tools", "My profile", "Save", "Cancel", "Language",
           "Sign out", "User menu", "Refresh", "Employees", "Balance", "Add ", "Top up", "Home",
           # Codes of kinds and statuses that must reach the table cells as words (« Pending » is a
           # person's name in the scenes).
           "pending", "succeeded", "Succeeded", "booked", "approved", "rejected", "credited",
           "suspense", "tool_usage", "online_topup", "bank_transfer"),
}

def on_screen(app: ImmoConnectApp) -> str:
    parts = [str(widget.render()) for widget in app.screen.query("Label, Button, Static")]
    parts += [key.description for key in app.screen.query(FooterKey)]
    for table in app.screen.query(DataTable):
        parts += [str(column.label) for column in table.columns.values()]
        parts += [" | ".join(str(cell) for cell in table.get_row_at(row)) for row in range(table.row_count)]
    return "\n".join(parts)


def foreign_words(text: str, language: str) -> list[str]:
    return sorted({f"{other}: {word!r}" for other, words in WORDS.items() if other != language
                   for word in words if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)})


# Screens whose texts are not the platform's to translate on this list: none.
BATCHES = 3  # the screens of one language in three apps, so that xdist spreads them


@pytest.mark.slow
@pytest.mark.parametrize("batch", range(BATCHES))
@pytest.mark.parametrize("language", ["nl", "fr", "en"])
async def test_every_screen_speaks_one_language(make_platform: MakePlatform, language: str, batch: int) -> None:
    """Every screen of the snapshot tests, driven the same way, in each language."""
    platform = make_platform(config_text=registers_config())
    scene = build_scene(platform)
    Account.update(language=language).where(Account.id == scene.agency.manager.id).execute()
    names = list(SCREENS)[batch::BATCHES]
    app = ImmoConnectApp(platform)
    found: dict[str, list[str]] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        app.change_language(language)  # as the switch on the sign-in screen does
        await settle(pilot)
        base = len(app.screen_stack)
        for name in names:
            await SCREENS[name](app, pilot, scene)
            await settle(pilot)
            await settle(pilot, lambda: getattr(app, "session", None) is None or app.workspace_quality is not None)
            await settle(pilot)
            wrong = foreign_words(on_screen(app), language)
            if wrong:
                found[name] = wrong
            while len(app.screen_stack) > base:
                app.pop_screen()
                await settle(pilot)
    assert found == {}, f"Words of another language on the {language} screens: {found}"


@pytest.mark.slow
@pytest.mark.parametrize("scene_name", list(OPERATOR_SCENES))
@pytest.mark.parametrize("language", ["nl", "fr", "en"])
async def test_every_back_office_screen_speaks_one_language(
        make_platform: MakePlatform, language: str, scene_name: str) -> None:
    """The operators' screens of the back office snapshots, built the same way, in each language."""
    scene = OPERATOR_SCENES[scene_name](make_platform)
    Account.update(language=language).where(Account.id == scene.operator.id).execute()
    app = ImmoConnectApp(scene.platform)
    async with app.run_test(size=(160, 50)) as pilot:
        app.change_language(language)
        await settle(pilot)
        await show_back_office(app, pilot, scene)
        await settle(pilot)
        wrong = foreign_words(on_screen(app), language)
    assert wrong == [], f"Words of another language on the {language} {scene_name} screen: {wrong}"
