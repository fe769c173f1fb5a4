"""Pilot tests: a manager sets an employee's wallet right beside the tool access (employee
details, confirmation of a join request), and the wallet screen offers only what it allows."""

from __future__ import annotations

from textual.widgets import Label

from immo_connect.organisations.models import Membership
from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.organisations.employee_confirm import ConfirmEmployeeScreen
from immo_connect.tui.screens.organisations.employee_details import EmployeeDetailsScreen
from immo_connect.tui.screens.wallet.wallet import WalletScreen
from immo_connect.wallet.rights import wallet_right_of
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.tui import settle, sign_in


async def test_a_manager_sets_the_wallet_right_in_the_employee_details(platform: Platform) -> None:
    boss = make_account("boss", first_name="Anne")
    employee = make_account("emp", first_name="Eric")
    organisation = make_organisation(boss, name="Agence Lumière")
    membership = add_member(organisation, employee)
    platform.wallet.credit(organisation.id, 30_00, kind="bank_transfer", description="Virement", idempotency_key="t:1")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(160, 50)) as pilot:
        sign_in(app, employee)  # no wallet right yet: the screen says why, nothing is shown
        await app.push_screen(WalletScreen(organisation.id))
        await settle(pilot)
        assert "gestionnaire" in str(app.screen.query_one("#wallet-balance", Label).render())
        app.pop_screen()

        sign_in(app, boss)
        await app.push_screen(EmployeeDetailsScreen(organisation.id, membership.id))
        await settle(pilot)
        app.screen.query_one("#employee-wallet-right").focus()
        await pilot.press("enter", "down", "down", "enter")  # none -> view -> top up
        await pilot.press("w")
        await settle(pilot)
        assert wallet_right_of(employee.id, organisation.id) == "top_up"
        assert "Recharger" in str(app.screen.query_one("#employee-message").render())
        app.pop_screen()

        sign_in(app, employee)
        await app.push_screen(WalletScreen(organisation.id))
        await settle(pilot)
        assert str(app.screen.query_one("#wallet-balance", Label).render()) == "30,00 €"
        assert app.screen.query_one("#wallet-topup-button").display
        assert not app.screen.query_one("#wallet-transfer-button").display  # manage is needed
        await pilot.press("m")  # the key is refused on the screen too
        await settle(pilot)
        assert "droit" in str(app.screen.query_one("#wallet-message", Label).render())


async def test_the_wallet_right_is_chosen_when_confirming_a_join_request(platform: Platform) -> None:
    boss = make_account("boss")
    asker = make_account("asker")
    organisation = make_organisation(boss)
    membership = add_member(organisation, asker, status="pending")
    (Membership.update(employee_type="employee", function="Agent", work_email="asker@agence.example")
     .where(Membership.id == membership.id).execute())  # the request as the person filled it in
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(160, 60)) as pilot:
        sign_in(app, boss)
        await app.push_screen(ConfirmEmployeeScreen(organisation.id, membership.id))
        await settle(pilot)
        app.screen.query_one("#confirm-wallet-right").focus()
        await pilot.press("enter", "down", "enter")  # none -> view
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert Membership.get_by_id(membership.id).status == "active"
    assert wallet_right_of(asker.id, organisation.id) == "view"


async def test_the_by_column_and_filter(platform: Platform) -> None:
    from textual.widgets import DataTable

    from immo_connect.tui.widgets.safe import Select
    from tests.support.wallet import make_scene

    scene = make_scene()
    wallet = platform.wallet
    wallet.credit(scene.first.id, 100_00, kind="bank_transfer", description="Virement KBC", idempotency_key="p:1")
    wallet.charge(scene.member, scene.first.id, 12_50, tool="cadastrefinder", description="Parcelle 12A",
                  idempotency_key="p:2")
    wallet.charge(scene.manager, scene.first.id, 8_00, tool="btv", description="Attestation", idempotency_key="p:3")
    wallet.charge(scene.member, scene.first.id, 900_00, tool="btv", description="Trop cher", idempotency_key="p:4")
    app = ImmoConnectApp(platform)

    def listed() -> list[str]:
        table = app.screen.query_one("#wallet-transactions", DataTable)
        return [" | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]

    async with app.run_test(size=(200, 50)) as pilot:
        sign_in(app, scene.manager)
        await app.push_screen(WalletScreen(scene.first.id))
        await settle(pilot)
        rows = listed()
        assert len(rows) == 4
        assert "| Bert Claes |" in rows[0] and "0,00" in rows[0] and "insuffisant" in rows[0]  # nothing moved
        assert "| virement bancaire |" in rows[3]
        by = app.screen.query_one("#wallet-filter-by", Select)
        assert (f"account:{scene.member.id}", "Bert Claes") in [(v, str(p)) for p, v in by._options if v]
        by.value = f"account:{scene.member.id}"
        await pilot.click("#wallet-filter-button")
        await settle(pilot)
        rows = listed()
        assert len(rows) == 2 and all("| Bert Claes |" in row for row in rows)
        by.value = "bank_transfer"
        await pilot.click("#wallet-filter-button")
        await settle(pilot)
        assert [row.split(" | ")[0] for row in listed()] == ["1"]


async def test_the_wallet_is_offered_only_with_a_wallet_right_in_the_current_quality(platform: Platform) -> None:
    from immo_connect.tui.commands import ActionsProvider
    from immo_connect.tui.screens.accounts.user_menu import UserMenuScreen
    from immo_connect.tui.screens.home import HomeScreen
    from immo_connect.tui.widgets.safe import OptionList

    boss = make_account("boss")
    employee = make_account("emp")
    organisation = make_organisation(boss, name="Agence Lumière")
    membership = add_member(organisation, employee)
    app = ImmoConnectApp(platform)

    def menu() -> list[str]:
        options = app.screen.query_one("#user-menu-list", OptionList)
        return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]

    def palette() -> list[str]:
        return [description for description, *_rest in ActionsProvider(app.screen)._actions()]

    async with app.run_test(size=(160, 50)) as pilot:
        sign_in(app, employee)  # an employee without any wallet right
        await app.push_screen(HomeScreen())
        await settle(pilot, lambda: app.workspace_quality is not None)
        await settle(pilot)
        assert not app.screen.query_one("#nav-wallet").display  # not in the navigation bar
        assert "Wallet" not in palette()  # nor in the command palette (the digit, the menu entry)
        await pilot.press("4")  # the digit does not open it either
        await settle(pilot)
        assert not isinstance(app.screen, WalletScreen)
        await app.push_screen(UserMenuScreen())
        await settle(pilot)
        assert "wallet" not in menu() and "tools" in menu()
        app.pop_screen()

        # Given the view right, the same person is offered the wallet again.
        platform.wallet.set_employee_right(boss, organisation.id, membership.id, "view")
        from immo_connect.tui.shell import refresh_workspace

        refresh_workspace(app, force=True)
        await settle(pilot, lambda: app.workspace_quality.may_see_wallet)
        await settle(pilot)
        assert app.screen.query_one("#nav-wallet").display
        assert "Wallet" in palette()
        await app.push_screen(UserMenuScreen())
        await settle(pilot)
        assert "wallet" in menu()
        app.pop_screen()
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, WalletScreen)
