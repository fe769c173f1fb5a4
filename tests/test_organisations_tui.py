"""Pilot tests: the organisation screens driven by the keyboard, on a real SQLite platform."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Static

from immo_connect.audit import AuditEvent
from immo_connect.mail.models import OutboxMessage
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.confirm_dialog import ConfirmDialog
from immo_connect.tui.screens.organisations.organisations import MyOrganisationsScreen
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.tui import settle, sign_in, table_text


async def type_in(pilot: Pilot[object], selector: str, text: str) -> None:
    pilot.app.screen.query_one(selector).focus()
    await pilot.pause()
    await pilot.press("end", *text)  # focusing selects the text: type after it


async def choose(pilot: Pilot[object], selector: str, downs: int) -> None:
    """Open a Select with Enter and move down ``downs`` options."""
    pilot.app.screen.query_one(selector).focus()
    await pilot.press("enter", *(["down"] * downs), "enter")


def label(app: ImmoConnectApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).render())


async def open_my_organisations(pilot: Pilot[object], app: ImmoConnectApp, account: object) -> None:
    sign_in(app, account)
    await app.push_screen(MyOrganisationsScreen())
    await settle(pilot)


async def test_create_join_confirm_block_activate_delete(platform: Platform) -> None:
    alice = make_account("alice", first_name="Alice", last_name="Dumont")
    bob = make_account("bob", first_name="Bob", last_name="Lambert")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 50)) as pilot:
        # Alice creates the organisation: search, not found, the form, she becomes manager.
        await open_my_organisations(pilot, app, alice)
        assert "Appuyez sur A" in label(app, "#organisations-empty")
        await pilot.press("a")
        await type_in(pilot, "#add-number", "BE 0403.019.261")
        await pilot.press("enter")
        await settle(pilot)
        assert "0403.019.261" in label(app, "#add-found")
        await pilot.press("enter")  # "Créer cette organisation" has the focus
        await settle(pilot)
        await pilot.press("ctrl+s")  # empty form: refused, nothing stored
        await settle(pilot)
        assert label(app, "#create-message").startswith("✗ ")  # refused, said with a mark, not colour alone
        assert Organisation.select().count() == 0
        await type_in(pilot, "#org-name", "Agence du Parc")
        await choose(pilot, "#org-legal-form", 1)
        for selector, text in (("#org-address0-street", "Rue Royale"), ("#org-address0-number", "12"),
                               ("#org-address0-postal_code", "1000"), ("#org-address0-city", "Bruxelles"),
                               ("#org-email", "info@parc.be"), ("#org-phone", "025123456"),
                               ("#creator-function", "Gerante"), ("#creator-email", "alice@parc.be")):
            await type_in(pilot, selector, text)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MyOrganisationsScreen), label(app, "#create-message")
        rows = table_text(app, "#organisations")
        assert "★" in rows and "Agence du Parc" in rows and "0403.019.261" in rows
        organisation = Organisation.get()
        assert Membership.get(Membership.account == alice.id).is_active_manager

        # Bob asks to join and sees the managers' names; the organisation is dimmed and pending.
        await open_my_organisations(pilot, app, bob)
        await pilot.press("a")
        await type_in(pilot, "#add-number", "0403019261")
        await pilot.press("enter")
        await settle(pilot)
        assert "Agence du Parc" in label(app, "#add-found")
        await pilot.press("enter")  # "Ajouter cette organisation à votre profil"
        await settle(pilot)
        await type_in(pilot, "#join-function", "Agent")
        await type_in(pilot, "#join-email", "bob@parc.be")
        app.screen.query_one("#join-send").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "Alice Dumont" in label(app, "#join-result")
        await pilot.press("enter")  # back to my organisations
        await settle(pilot)
        rows = table_text(app, "#organisations")
        assert "en attente de confirmation" in rows and "★" not in rows
        await pilot.press("o")  # the tools of a pending organisation cannot be used
        await settle(pilot)
        assert isinstance(app.screen, MyOrganisationsScreen)
        assert OutboxMessage.get(OutboxMessage.template == "membership_requested").recipient == "alice@example.be"

        # Alice sees the marker on the employees shortcut and confirms Bob as a self-employed manager.
        await open_my_organisations(pilot, app, alice)
        assert "1 demande en attente" in table_text(app, "#organisations")
        await pilot.press("e")
        await settle(pilot)
        employees = table_text(app, "#employees")
        assert "Bob Lambert" in employees and "Alice" not in employees  # filtered on pending
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await choose(pilot, "#confirm-type", 1)  # "Collaborateur indépendant"
        app.screen.query_one("#confirm-manager").focus()
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await settle(pilot)
        bob_membership = Membership.get(Membership.account == bob.id)
        assert (bob_membership.status, bob_membership.employee_type, bob_membership.is_manager) == (
            "active", "self_employed", True)
        view = str(app.screen.query_one("#employee-view", Static).render())
        assert "actif" in view and "Gestionnaire" in view

        # "Modifier les données": edit mode, explicit save. A refused change keeps the form
        # open with what was typed; the corrected one is stored and closes it.
        await pilot.press("m")
        await settle(pilot)
        await type_in(pilot, "#edit-function", " principal")
        app.screen.query_one("#edit-email", Input).value = "not-an-address"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert label(app, "#employee-message").startswith("✗ ")
        assert not app.screen.query_one("#employee-editor").has_class("hidden")
        assert app.screen.query_one("#edit-function", Input).value == "Agent principal"
        assert Membership.get_by_id(bob_membership.id).function == "Agent"
        app.screen.query_one("#edit-email", Input).value = "bob@agence.be"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.query_one("#employee-editor").has_class("hidden")
        assert Membership.get_by_id(bob_membership.id).function == "Agent principal"
        assert "enregistrées" in label(app, "#employee-message")
        assert label(app, "#employee-message").startswith("✓ ")

        # Block: the default answer is no; then yes.
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("enter")  # "Non, annuler" has the focus
        await settle(pilot)
        assert Membership.get_by_id(bob_membership.id).status == "active"
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("tab", "enter")  # "Oui, continuer à bloquer"
        await settle(pilot)
        assert Membership.get_by_id(bob_membership.id).status == "blocked"
        assert "bloqué" in str(app.screen.query_one("#employee-view", Static).render())
        # Re-activate, then delete.
        await pilot.press("a")
        await settle(pilot)
        assert Membership.get_by_id(bob_membership.id).status == "active"
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("tab", "enter")  # "Oui, continuer à supprimer"
        await settle(pilot)
        assert not Membership.select().where(Membership.account == bob.id).exists()
        templates = [m.template for m in OutboxMessage.select().order_by(OutboxMessage.id)]
        assert templates == ["membership_requested", "membership_confirmed", "membership_blocked",
                             "membership_confirmed"]
        assert AuditEvent.select().where(AuditEvent.organisation_id == organisation.id,
                                         AuditEvent.action == "org.employee.removed").exists()


async def test_the_last_manager_cannot_block_or_delete_themselves(platform: Platform) -> None:
    alice = make_account("alice", first_name="Alice", last_name="Dumont")
    organisation = make_organisation(alice, name="Agence Seule")
    add_member(organisation, make_account("carl", first_name="Carl", last_name="Claes"), status="pending")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 50)) as pilot:
        await open_my_organisations(pilot, app, alice)
        await pilot.press("e")  # opens on the waiting request
        await settle(pilot)
        assert "Carl Claes" in table_text(app, "#employees") and "Alice" not in table_text(app, "#employees")
        app.screen.query_one("#employees-status").focus()
        await pilot.press("enter", "up", "enter")  # "Tous les statuts"
        await settle(pilot)
        await pilot.press("/")  # filter by name
        await pilot.press(*"dumont")
        await settle(pilot)
        rows = table_text(app, "#employees")
        assert "Alice Dumont" in rows and rows.count("\n") == 0
        await pilot.press("enter")  # back to the list
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "employees", app.focused
        await pilot.press("enter")  # details of Alice herself
        await settle(pilot)
        for key in ("b", "d"):
            await pilot.press(key)
            await settle(pilot)
            await pilot.press("tab", "enter")
            await settle(pilot)
            assert "dernier gestionnaire actif" in label(app, "#employee-message")
            assert label(app, "#employee-message").startswith("✗ ")
        await pilot.press("g")  # revoke her own manager rights: a question first
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog) and "Retirer les droits de gestionnaire" in app.screen.question
        await pilot.press("escape")  # no: nothing changes
        await settle(pilot)
        assert Membership.get(Membership.account == alice.id).is_active_manager
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("tab", "enter")  # yes: refused, she is the last manager
        await settle(pilot)
        assert "dernier gestionnaire actif" in label(app, "#employee-message")
        assert label(app, "#employee-message").startswith("✗ ")
        assert Membership.get(Membership.account == alice.id).is_active_manager


async def test_organisation_data_edit_mode_for_managers_only(platform: Platform) -> None:
    alice, eve = make_account("alice"), make_account("eve")
    organisation = make_organisation(alice, name="Agence Data", email="a@data.be", phone="021234567",
                                     legal_form="srl")
    add_member(organisation, eve)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 60)) as pilot:
        await open_my_organisations(pilot, app, eve)
        await pilot.press("enter")  # "Voir détails"
        await settle(pilot)
        assert "Agence Data" in str(app.screen.query_one("#org-data-view", Static).render())
        await pilot.press("m")
        await settle(pilot)
        assert app.screen.query_one("#org-data-editor").has_class("hidden")

        await open_my_organisations(pilot, app, alice)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        for selector, text in (("#org-address0-street", "Meir"), ("#org-address0-number", "1"),
                               ("#org-address0-postal_code", "2000"), ("#org-address0-city", "Antwerpen"),
                               ("#org-linkedin", "https://linkedin.com/company/data")):
            await type_in(pilot, selector, text)
        await pilot.press("escape")  # cancel: nothing saved
        await settle(pilot)
        assert Organisation.get_by_id(organisation.id).linkedin == ""
        await pilot.press("m")
        await settle(pilot)
        for selector, text in (("#org-address0-street", "Meir"), ("#org-address0-number", "1"),
                               ("#org-address0-postal_code", "2000"), ("#org-address0-city", "Antwerpen"),
                               ("#org-linkedin", "https://linkedin.com/company/data")):
            await type_in(pilot, selector, text)
        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = Organisation.get_by_id(organisation.id)
        assert (saved.linkedin, saved.address) == ("https://linkedin.com/company/data", "Meir 1, 2000 Antwerpen")
        assert "enregistrées" in label(app, "#org-data-message")
        assert label(app, "#org-data-message").startswith("✓ ")


async def test_employee_list_pages_and_filters(platform: Platform) -> None:
    alice = make_account("alice", first_name="Alice", last_name="Aerts")
    organisation = make_organisation(alice)
    for i in range(60):
        add_member(organisation, make_account(f"emp{i:02d}", first_name="Jan", last_name=f"Zeeman{i:02d}"),
                   status="blocked" if i == 59 else "active")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 50)) as pilot:
        await open_my_organisations(pilot, app, alice)
        await pilot.press("e")
        await settle(pilot)
        assert app.screen.query_one("#employees", DataTable).row_count == 50
        assert "Page 1" in label(app, "#employees-page")
        await pilot.press("n")
        await settle(pilot)
        rows = table_text(app, "#employees")
        assert app.screen.query_one("#employees", DataTable).row_count == 11
        assert "Zeeman59" in rows and "⛔ bloqué" in rows and "Page 2" in label(app, "#employees-page")
        await pilot.press("p")
        await settle(pilot)
        assert "Alice Aerts" in table_text(app, "#employees")
        await pilot.press("/")
        await pilot.press(*"zeeman5")
        await settle(pilot)
        assert app.screen.query_one("#employees", DataTable).row_count == 10
