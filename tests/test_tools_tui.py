"""Pilot tests: the whole tool path driven by the keyboard, on a real SQLite platform.

A recognised agent registers CadastreFinder for the agency, gives an employee access, and
the employee picks the quality and runs a search that is charged to the agency's wallet.
"""

from __future__ import annotations

import pytest
from textual.widgets import Button, Checkbox, DataTable, Label, OptionList, Select, Static

from immo_connect.organisations.models import Membership
from immo_connect.platform import Platform
from immo_connect.plugins.tools.cadastrefinder.screen import CadastreFinderScreen
from immo_connect.tools.models import ToolAccess, ToolRegistration
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.accounts.recognitions import RecognitionsScreen
from immo_connect.tui.screens.organisations.employee_confirm import ConfirmEmployeeScreen
from immo_connect.tui.screens.tools.quality import QualityScreen
from immo_connect.tui.screens.tools.tool_access import ToolAccessScreen
from immo_connect.tui.screens.tools.tool_details import ToolDetailsScreen
from immo_connect.tui.screens.tools.tool_register import ToolRegisterScreen
from immo_connect.tui.screens.tools.tools import ToolsScreen
from immo_connect.tui.widgets.table import RecordTable
from immo_connect.wallet.models import WalletTransaction
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.tools import (
    AGENT,
    AGENT_AND_SYNDIC,
    MakePlatform,
    fund,
    link_identity,
    make_agency,
    register_cadastrefinder,
    registers_config,
)
from tests.support.tui import settle, sign_in, table_text


def text_of(app: ImmoConnectApp, selector: str) -> str:
    widget = app.screen.query_one(selector)
    return str(widget.render())


@pytest.fixture
def platform(make_platform: MakePlatform) -> Platform:
    return make_platform(config_text=registers_config())


async def test_register_give_access_pick_quality_and_search(platform: Platform) -> None:
    marc = make_account("marc.janssens", first_name="Marc", last_name="Janssens")
    emma = make_account("emma.willems", first_name="Emma", last_name="Willems")
    agency = make_organisation(marc, name="Agence du Parc")
    add_member(agency, emma)
    fund(platform, agency, 1000)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(160, 50)) as pilot:
        # 1. Marc links his (test) identity: the Recognitions page shows his recognitions.
        sign_in(app, marc)
        await app.push_screen(RecognitionsScreen())
        await settle(pilot)
        assert not app.screen.query_one("#recognitions-link", Button).has_class("hidden")  # "Lier l'eID"
        link_identity(platform, marc, AGENT_AND_SYNDIC)
        await pilot.press("r")  # refresh on demand
        await settle(pilot)
        mine = table_text(app, "#recognitions-mine")
        assert "Agent immobilier" in mine and "504.117" in mine and "✓ Valide" in mine
        assert "Notaire" in table_text(app, "#recognitions-known")
        assert app.screen.query_one("#recognitions-link", Button).has_class("hidden")
        app.pop_screen()

        # 2. Marc registers CadastreFinder for the agency from the Tools page.
        await app.push_screen(ToolsScreen(agency.id))
        await settle(pilot)
        rows = table_text(app, "#tools-table")
        assert "CadastreFinder" in rows and "Non enregistré" in rows
        table = app.screen.query_one("#tools-table", DataTable)
        table.move_cursor(row=[r.tool.name for r in app.screen.overview].index("cadastrefinder"))  # type: ignore[attr-defined]
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ToolRegisterScreen)
        requirements = text_of(app, "#register-requirements")
        assert "✓ satisfaite" in requirements and "Agent immobilier" in requirements
        assert text_of(app, "#register-message") == ""
        complete = app.screen.query_one("#register-complete-button", Button)
        assert complete.disabled  # the terms are not accepted yet
        app.screen.query_one("#register-accept", Checkbox).focus()
        await pilot.press("space")
        await pilot.pause()
        assert not complete.disabled
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ToolsScreen)
        registration = ToolRegistration.get(ToolRegistration.tool == "cadastrefinder")
        assert registration.mandated_recognition.account_id == marc.id
        assert "Enregistré — Démarrer" in table_text(app, "#tools-table")
        # Opening the wizard again says, with a mark, that there is nothing left to register.
        await app.push_screen(ToolRegisterScreen("cadastrefinder"))
        await settle(pilot)
        assert text_of(app, "#register-message") == (
            "✗ CadastreFinder est déjà enregistré pour cette organisation dans ce mode d'utilisation.")
        assert app.screen.query_one("#register-complete-button", Button).disabled
        app.pop_screen()
        await settle(pilot)

        # 3. Details: one tab per mode; edit mode gives Emma the assistant role.
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ToolDetailsScreen)
        assert "orisnv.freshdesk.com" in text_of(app, "#details-support")
        price = str(app.screen.query_one(".price", Label).render())
        assert "Recherche cadastrale" in price and "1,50 €" in price
        assert "Emma Willems" in table_text(app, "#access-agent")
        assert "Aucun utilisateur" in table_text(app, "#access-agent")
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ToolAccessScreen)
        choice = app.screen.query_one(f"#choice-{emma.id}", Select)
        assert "Reconnaissances invalides" not in text_of(app, f"#state-{emma.id}")
        choice.focus()
        await pilot.press("enter", "down", "enter")  # "Aucun utilisateur" -> "Assistant"
        await pilot.pause()
        assert choice.value == "role:assistant"
        assert not ToolAccess.select().where(ToolAccess.account == emma.id).exists()  # not before saving
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert ToolAccess.get(ToolAccess.account == emma.id).role == "assistant"
        assert isinstance(app.screen, ToolDetailsScreen)
        assert "✓ Assistant" in table_text(app, "#access-agent")

        # 4. Emma picks her quality, accepts the terms and runs a charged search.
        while len(app.screen_stack) > 2:
            app.pop_screen()
        sign_in(app, emma)
        await app.push_screen(QualityScreen("cadastrefinder"))
        await settle(pilot)
        options = app.screen.query_one("#quality-list", OptionList)
        assert "Agence du Parc" in str(options.get_option_at_index(0).prompt)
        assert "agent immobilier — Assistant" in str(options.highlighted_option.prompt)  # type: ignore[union-attr]
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#terms-text", Static) is not None  # the terms, not accepted yet
        await pilot.press("space")
        await pilot.pause()
        app.screen.query_one("#terms-ok", Button).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CadastreFinderScreen)
        assert app.tool_context.organisation_id == agency.id  # type: ignore[attr-defined]
        await pilot.press(*"Namur")
        await pilot.press("enter")
        await settle(pilot)
        assert "Namur" in table_text(app, "#cadastre-results")
        status = text_of(app, "#cadastre-status")
        assert "1,50 €" in status and "Agence du Parc" in status
        charge = WalletTransaction.get(WalletTransaction.tool == "cadastrefinder")
        assert (charge.amount, charge.status, charge.actor_id) == (-150, "succeeded", emma.id)
        assert (charge.balance_before, charge.balance_after) == (1000, 850)


async def test_quality_selection_keyboard(platform: Platform) -> None:
    marc = make_account("marc.janssens", first_name="Marc", last_name="Janssens")
    link_identity(platform, marc, AGENT_AND_SYNDIC)
    names = ["Agence du Parc", "Bureau Zénith", "Immo Nord"]
    organisations = [make_organisation(marc, name=name) for name in names]
    for organisation in organisations:
        platform.tools.register(marc, organisation.id, "cadastrefinder", "agent", terms_version="2016-1")
    platform.tools.start(marc, "cadastrefinder", organisations[1].id, "agent")  # the last choice
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 40)) as pilot:
        sign_in(app, marc)
        await app.push_screen(QualityScreen("cadastrefinder"))
        await settle(pilot)
        options = app.screen.query_one("#quality-list", OptionList)

        def highlighted() -> str:
            index = options.highlighted
            assert index is not None
            header = max(i for i in range(index) if options.get_option_at_index(i).disabled)
            return str(options.get_option_at_index(header).prompt)

        assert "Bureau Zénith" in highlighted()  # preselected
        await pilot.press("j")
        assert "Immo Nord" in highlighted()
        await pilot.press("k", "k")
        assert "Agence du Parc" in highlighted()
        await pilot.press(*"nord")  # typing filters
        await pilot.pause()
        assert app.screen.query_one("#quality-filter-input").value == "nord"  # type: ignore[attr-defined]
        assert options.option_count == 2 and "Immo Nord" in highlighted()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CadastreFinderScreen)
        assert app.tool_context.organisation_id == organisations[2].id  # type: ignore[attr-defined]
        depth = len(app.screen_stack)
        # "Changer de qualité" from the user menu, inside the tool: the tool's qualities, another one replaces it.
        await app.push_screen(QualityScreen())
        await settle(pilot)
        assert "CadastreFinder" in text_of(app, "#quality-title")
        await pilot.press("home")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CadastreFinderScreen) and len(app.screen_stack) == depth
        assert app.tool_context.organisation_id == organisations[0].id  # type: ignore[attr-defined]


async def test_registration_wizard_says_what_is_missing(platform: Platform) -> None:
    emma = make_account("emma.willems", first_name="Emma", last_name="Willems")
    make_organisation(emma, name="Agence du Parc")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 50)) as pilot:
        sign_in(app, emma)
        await app.push_screen(ToolRegisterScreen("cadastrefinder"))
        await settle(pilot)
        requirements = text_of(app, "#register-requirements")
        assert "✗ manquante" in requirements and "eID" in requirements
        app.screen.query_one("#register-accept", Checkbox).value = True
        await pilot.pause()
        assert app.screen.query_one("#register-complete-button", Button).disabled


async def test_a_revoked_access_is_refused_at_the_next_start(platform: Platform) -> None:
    marc = make_account("marc.janssens", first_name="Marc", last_name="Janssens")
    emma = make_account("emma.willems", first_name="Emma", last_name="Willems")
    link_identity(platform, marc, AGENT_AND_SYNDIC)
    agency = make_organisation(marc, name="Agence du Parc")
    add_member(agency, emma)
    platform.tools.register(marc, agency.id, "cadastrefinder", "agent", terms_version="2016-1")
    platform.tools.save_access(marc, agency.id, "cadastrefinder", "agent", {emma.id: "role:assistant"})
    platform.tools.accept_terms(emma, "cadastrefinder", "2016-1")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 40)) as pilot:
        sign_in(app, emma)
        await app.push_screen(QualityScreen("cadastrefinder"))
        await settle(pilot)
        # Meanwhile, in the manager's session, the access is blocked.
        platform.tools.save_access(marc, agency.id, "cadastrefinder", "agent", {emma.id: "blocked"})
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QualityScreen)
        assert app.screen.query_one("#quality-list", OptionList).option_count == 0
        assert "aucune qualité" in text_of(app, "#quality-empty")


async def test_external_tool_screen_is_honest(platform: Platform) -> None:
    marc = make_account("marc.janssens", first_name="Marc", last_name="Janssens")
    link_identity(platform, marc, AGENT_AND_SYNDIC)
    agency = make_organisation(marc, name="Agence du Parc")
    platform.tools.register(marc, agency.id, "bizmart", "agent")
    context = platform.tools.start(marc, "bizmart", agency.id, "agent")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 40)) as pilot:
        sign_in(app, marc)
        from immo_connect.tui.screens.tools._tool_launch import open_tool

        assert open_tool(app, context)
        await settle(pilot)
        assert "propre application" in str(app.screen.query_one(".section", Label).render())
        assert "Agence du Parc" in text_of(app, "#tool-quality")
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query(".external-tool")


async def test_edit_mode_marks_invalid_recognitions_and_switches_the_mandate(platform: Platform) -> None:
    marc = make_account("marc.janssens", first_name="Marc", last_name="Janssens")
    sophie = make_account("sophie.lambert", first_name="Sophie", last_name="Lambert")
    emma = make_account("emma.willems", first_name="Emma", last_name="Willems")
    link_identity(platform, marc, AGENT_AND_SYNDIC)
    link_identity(platform, sophie, AGENT)
    agency = make_organisation(marc, name="Agence du Parc")
    add_member(agency, sophie)
    add_member(agency, emma)
    platform.tools.register(marc, agency.id, "btv", "agent")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(160, 50)) as pilot:
        sign_in(app, marc)
        await app.push_screen(ToolAccessScreen("btv", "agent", agency.id))
        await settle(pilot)
        assert "✗ Reconnaissances invalides" in text_of(app, f"#state-{emma.id}")
        emma_choices = [str(prompt) for prompt, _value in app.screen.query_one(f"#choice-{emma.id}", Select)._options]
        assert emma_choices == ["Aucun utilisateur", "Bloquer l'accès"]  # BTV's only role needs a recognition
        mandate = app.screen.query_one("#access-mandate", Select)
        assert mandate.value == ToolRegistration.get().mandated_recognition_id
        mandate.focus()
        await pilot.press("enter", "down", "enter")  # Marc's recognition -> Sophie's
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        registration = ToolRegistration.get()
        assert registration.mandated_recognition.account_id == sophie.id


async def test_anti_blanchiment_check_by_keyboard(platform: Platform) -> None:
    marc = make_account("marc.janssens", first_name="Marc", last_name="Janssens")
    link_identity(platform, marc, AGENT_AND_SYNDIC)
    agency = make_organisation(marc, name="Agence du Parc")
    fund(platform, agency, 5000)
    platform.tools.register(marc, agency.id, "antiblanchiment", "agent", terms_version="2024-10")
    context = platform.tools.start(marc, "antiblanchiment", agency.id, "agent")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(160, 60)) as pilot:
        sign_in(app, marc)
        from immo_connect.tui.screens.tools._tool_launch import open_tool

        open_tool(app, context)
        await settle(pilot)
        await pilot.press(*"Élodie Vandenberghe", "tab", *"1980-12-31", "tab", "tab")  # name, birth date, BE
        app.screen.query_one("#aml-address").focus()
        await pilot.press(*"Rue Haute 12, 1000 Bruxelles")
        app.screen.query_one("#aml-q-pep", Checkbox).focus()
        await pilot.press("space")
        await pilot.pause()
        assert "Vigilance renforcée" in text_of(app, "#aml-vigilance")
        await pilot.press("ctrl+s")  # "Poursuivre" is refused under enhanced vigilance
        await settle(pilot)
        assert "vigilance renforcée" in text_of(app, "#aml-message")
        outcome = app.screen.query_one("#aml-outcome", Select)
        outcome.focus()
        await pilot.press("enter", "down", "enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "enregistrée" in text_of(app, "#aml-message")
        # The history panel is narrow: the name may end with « … »; the row's detail has it whole.
        checks = app.screen.query_one("#aml-checks", RecordTable)
        assert table_text(app, "#aml-checks").count("Élodie Vand") == 1
        assert ("Client", "Élodie Vandenberghe") in checks.row_details(checks.selected_key() or "")
        charge = WalletTransaction.get(WalletTransaction.tool == "antiblanchiment")
        assert (charge.amount, charge.status) == (-1600, "succeeded")
        await pilot.press("ctrl+r")
        await settle(pilot)
        reports = list((platform.settings.data_dir / "reports" / "antiblanchiment" / str(agency.id)).glob("*.pdf"))
        assert len(reports) == 1 and reports[0].read_bytes().startswith(b"%PDF")


async def test_link_eid_key_is_offered_only_without_a_linked_eid(make_platform: MakePlatform) -> None:
    platform = make_platform(config_text=registers_config())
    linked, unlinked = make_account("linked.person"), make_account("unlinked.person")
    link_identity(platform, linked, AGENT)
    for account, offered in ((unlinked, True), (linked, False)):
        app = ImmoConnectApp(platform)
        async with app.run_test(size=(160, 50)) as pilot:
            sign_in(app, account)
            await app.push_screen(RecognitionsScreen())
            await settle(pilot)
            enabled = {active.binding.action for active in app.screen.active_bindings.values() if active.enabled}
            assert ("link_eid" in enabled) is offered
            assert "refresh" in enabled


async def test_confirming_an_employee_grants_a_tool_role_chosen_on_the_same_screen(platform: Platform) -> None:
    agency = make_agency(platform)
    register_cadastrefinder(platform, agency)
    organisation_id = agency.organisation.id
    request = Membership.get((Membership.account == agency.pending.id) & (Membership.organisation == organisation_id))
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 50)) as pilot:
        sign_in(app, agency.manager)
        await app.push_screen(ConfirmEmployeeScreen(organisation_id, request.id))
        await settle(pilot)
        for selector, text in (("#confirm-function", "Assistant"), ("#confirm-email", "paul@parc.be")):
            app.screen.query_one(selector).focus()  # the manager completes the request
            await pilot.press(*text)
        choice = app.screen.query_one("#tool-access-0", Select)
        assert choice.value == "none"  # "Pas d'utilisateur" until the manager chooses
        labels = [str(prompt) for prompt, _value in choice._options]
        assert labels[0] == "Pas d'utilisateur" and "Assistant" in labels
        choice.focus()
        await pilot.press("enter", *(["down"] * labels.index("Assistant")), "enter")
        await settle(pilot)
        assert choice.value == "role:assistant"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not app.screen.query("#confirm-message"), str(app.screen.query_one("#confirm-message").render())
    assert Membership.get_by_id(request.id).status == "active"
    (access,) = ToolAccess.select().where(ToolAccess.account == agency.pending.id)
    assert (access.state, access.role, access.changed_by_id) == ("granted", "assistant", agency.manager.id)
