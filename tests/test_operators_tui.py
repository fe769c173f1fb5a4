"""Pilot tests of the back office: reached by operators only; find (10,000 accounts, paged),
help with a reason, and the money desk (assign, four eyes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from immo_connect.accounts.models import Account
from immo_connect.bank.models import BankEntry, StatementImport
from immo_connect.clock import utcnow
from immo_connect.operators.models import MoneyRequest
from immo_connect.platform import Platform
from immo_connect.storage import transaction
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.operators.account_view import AccountViewScreen
from immo_connect.tui.screens.operators.back_office import BackOfficeScreen
from immo_connect.tui.screens.operators.money_desk import MoneyDeskScreen
from immo_connect.tui.screens.operators.reason_dialog import ReasonDialog
from immo_connect.tui.widgets.safe import OptionList
from immo_connect.tui.widgets.table import RecordTable
from tests.support.accounts import mails_to
from tests.support.factories import make_account, make_organisation
from tests.support.operators import make_operator
from tests.support.tui import settle, sign_in, table_text


def full_rows(app: ImmoConnectApp, selector: str) -> str:
    """Every column of every row, as « Ligne complète » shows it (cut or hidden at 80 columns)."""
    table = app.screen.query_one(selector, RecordTable)
    return "\n".join(" | ".join(text for _label, text in table.row_details(key)) for key in table.records)


def many_accounts(count: int) -> None:
    """``count`` accounts named Janssens (and one Peeters), written in one statement per thousand."""
    now = utcnow()
    rows = [{"username": f"janssens{n:05d}", "email": f"janssens{n:05d}@example.be", "first_name": f"Jan{n:05d}",
             "last_name": "Janssens", "status": "active", "created_at": now} for n in range(count)]
    with transaction():
        for start in range(0, count, 1000):
            Account.insert_many(rows[start:start + 1000]).execute()


def menu_ids(app: ImmoConnectApp) -> list[str | None]:
    """The ids of the user menu's entries (F2), in order."""
    options = app.screen.query_one(OptionList)
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


async def open_desk(app: ImmoConnectApp, pilot: Any, operator: Account, key: str) -> None:
    """Sign ``operator`` in, open the back office (F4), leave the search field and press ``key``."""
    sign_in(app, operator)
    await settle(pilot)
    await pilot.press("f4")
    await settle(pilot)
    await pilot.press("tab", key)
    await settle(pilot)


async def answer(app: ImmoConnectApp, pilot: Any, key: str, *fields: str) -> None:
    """Press ``key``, which asks with a dialog, and type each of ``fields`` followed by Enter."""
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(app.screen, ReasonDialog)
    for field in fields:
        await pilot.press(*field, "enter")
    await settle(pilot)


async def test_an_ordinary_user_sees_no_back_office(platform: Platform) -> None:
    anne = make_account("anne.peeters")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        sign_in(app, anne)
        await settle(pilot)
        assert app.check_action("back_office", ()) is False
        await pilot.press("f4")
        await settle(pilot)
        assert not isinstance(app.screen, BackOfficeScreen)
        await pilot.press("f2")
        await settle(pilot)
        ids = menu_ids(app)
        assert "back-office" not in ids and "profile" in ids


async def test_find_ten_thousand_accounts_page_by_page_and_unlock_one(platform: Platform) -> None:
    many_accounts(10_000)
    anne = make_account("anne.peeters", first_name="Anne", last_name="Peeters")
    with transaction():
        Account.update(failed_sign_ins=8, locked_until=platform.clock.now() + dt.timedelta(hours=1)).where(
            Account.id == anne.id).execute()
    helper = make_operator("hugo.help", "helpdesk", first_name="Hugo", last_name="Helper")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        sign_in(app, helper)
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        app.screen.query_one(OptionList).highlighted = menu_ids(app).index("back-office")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BackOfficeScreen)
        await pilot.press(*"janssens", "enter")
        await settle(pilot)
        screen = app.screen
        assert screen.page is not None and screen.page.total == 10_000 and screen.page.pages == 200
        first = table_text(app, "#bo-results").splitlines()
        assert len(first) == 50 and first[0].startswith("Jan00000 Janssens")
        await pilot.press("n")
        await settle(pilot)
        assert screen.page.page == 2
        assert table_text(app, "#bo-results").splitlines()[0].startswith("Jan00050 Janssens")
        await pilot.press("p")
        await settle(pilot)
        assert screen.page.page == 1

        await pilot.press("slash", *["ctrl+a"], "ctrl+k", *"peeters", "enter")
        await settle(pilot)
        assert table_text(app, "#bo-results").splitlines() == [
            "Anne Peeters | anne.peeters | anne.peeters@example.be | actif | —"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountViewScreen)
        assert "8" in str(app.screen.query_one("#bo-lock").render())
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("enter")  # no reason: refused on the spot
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press(*"ticket 41", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountViewScreen)
        assert Account.get_by_id(anne.id).locked_until is None
        assert len(mails_to("anne.peeters@example.be", "operator_action")) == 1
        assert "✓" in str(app.screen.query_one("#bo-message").render())


async def test_the_money_desk_assigns_an_entry_and_a_second_operator_approves(platform: Platform) -> None:
    organisation = make_organisation(make_account("agency.manager"), name="Agence Lumière")
    with transaction():
        imported = StatementImport.create(filename="march.cod", format="coda", sha256="0" * 64, operator="cron",
                                          imported_at=utcnow(), suspense=1)
        entry = BankEntry.create(entry_key="k1", statement_import=imported, format="coda", position="1",
                                 amount_cents=40_00, status="suspense", problem="no_communication",
                                 counterparty_name="Jean Dupont", created_at=utcnow())
    anne, bert = make_operator("anne.finance", "finance"), make_operator("bert.finance", "finance")
    waiting = platform.operators.money.request(anne, organisation.id, "credit", 900_00, "goodwill, ticket 5")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_desk(app, pilot, bert, "m")
        assert isinstance(app.screen, MoneyDeskScreen)
        assert "Jean Dupont" in table_text(app, "#bo-suspense")
        assert "anne.finance" in table_text(app, "#bo-pending")
        assert "march.cod" in table_text(app, "#bo-imports")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*str(organisation.enterprise_number), "enter", *"payer called, ticket 6", "enter")
        await settle(pilot)
        assert BankEntry.get_by_id(entry.id).status == "assigned"
        await pilot.press("v")
        await settle(pilot)
        await pilot.press(*"agreement checked, ticket 5", "enter")
        await settle(pilot)
        approved = MoneyRequest.get_by_id(waiting.id)
        assert (approved.status, approved.decision_reason) == ("booked", "agreement checked, ticket 5")
        assert table_text(app, "#bo-pending") == ""
        decided = full_rows(app, "#bo-decided")  # the decision and its reason, on the desk
        assert "bert.finance" in decided and "agreement checked, ticket 5" in decided and "comptabilisée" in decided
        app.screen.query_one("#bo-imports").focus()
        await pilot.press("enter")  # the import's report: what became of each line
        await settle(pilot)
        assert "attribué par un opérateur" in table_text(app, "#bo-entries")
        # At 80 columns the payer gives way to the result; the row's detail has every column.
        entries = app.screen.query_one("#bo-entries", RecordTable)
        details = dict(entries.row_details(entries.selected_key() or ""))
        assert "Jean Dupont" in details.values() and details["Résultat"] == "attribué par un opérateur"


async def test_an_admin_gives_a_role_in_the_back_office(platform: Platform) -> None:
    from immo_connect.operators.models import OperatorRole
    from immo_connect.tui.screens.operators.roles import OperatorRolesScreen

    admin = make_operator("ops.admin", "admin")
    make_account("hugo.help")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_desk(app, pilot, admin, "o")
        assert isinstance(app.screen, OperatorRolesScreen)
        assert "ops.admin" in table_text(app, "#bo-operators")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"hugo.help", "enter", *"helpdesk", "enter", *"new colleague", "enter")
        await settle(pilot)
        assert "hugo.help" in table_text(app, "#bo-operators")
        assert OperatorRole.get(OperatorRole.role == "helpdesk").account.username == "hugo.help"
        # The cursor stayed on the line it was on (ops.admin); hugo.help is the first line (by username).
        app.screen.query_one("#bo-operators").focus()
        await pilot.press("up", "delete")
        await settle(pilot)
        await pilot.press(*"moved to another team", "enter")
        await settle(pilot)
        assert "hugo.help" not in table_text(app, "#bo-operators")
        assert not OperatorRole.select().where(OperatorRole.role == "helpdesk").exists()


async def test_the_money_desk_refunds_a_card_top_up_to_the_card(make_platform: Callable[..., Platform]) -> None:
    from immo_connect.plugins.payments.sandbox import SandboxReversal
    from tests.support.topups import SANDBOX_ON

    platform = make_platform(config_text=SANDBOX_ON)
    manager = make_account("sandra")
    organisation = make_organisation(manager, name="Agence Lumière")
    payment = platform.payments.simulate(manager, platform.payments.start_topup(manager, organisation.id, 80_00).id,
                                         "paid")
    anne = make_operator("anne.finance", "finance")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_desk(app, pilot, anne, "m")
        await answer(app, pilot, "c", str(organisation.id), "refund", "30", str(payment.transaction_id),
                     "unused top-up, ticket 8")
        assert isinstance(app.screen, MoneyDeskScreen)
        row = MoneyRequest.get()
        assert (row.kind, row.status, int(row.amount_cents)) == ("card_refund", "booked", 30_00)
        assert SandboxReversal.get().status == "refunded"
        assert f"{row.id}" in str(app.screen.query_one("#bo-message").render())


async def test_finance_imports_a_coda_file_from_the_money_desk_and_sees_its_report(
    make_platform: Callable[..., Platform], tmp_path: Any,
) -> None:
    from immo_connect import audit
    from immo_connect.wallet.models import Wallet
    from tests.support import statements

    platform = make_platform(config_text='[operators]\nimport_folder = "statements"\n')
    agency = make_organisation(make_account("agency.manager"), name="Agence Lumière")
    platform.wallet.ensure_wallet(agency.id)
    with transaction():
        Wallet.update(structured_communication=statements.WALLET_A).where(Wallet.organisation == agency.id).execute()
    (tmp_path / "statements").mkdir()
    (tmp_path / "statements" / "mars.cod").write_bytes(statements.sample_coda().encode("ascii"))
    bert = make_operator("bert.finance", "finance")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_desk(app, pilot, bert, "m")
        await answer(app, pilot, "i", "mars.cod", "statement of March, ticket 7")
        from immo_connect.tui.screens.operators.import_report import ImportReportScreen

        assert isinstance(app.screen, ImportReportScreen)
        report = full_rows(app, "#bo-entries")  # at 80 columns the payer is in the row's detail
        assert "crédité" in report and "en attente" in report and "PEETERS AN" in report
    imported = StatementImport.get()
    assert imported.operator == "bert.finance" and imported.credited == 2
    assert int(Wallet.get(Wallet.organisation == agency.id).balance) == 350_00  # 250 + 100, once
    event = audit.AuditEvent.get(audit.AuditEvent.action == "operator.bank_imported")
    assert event.actor == "bert.finance" and "statement of March, ticket 7" in event.detail


async def test_the_money_desk_imports_nothing_without_an_import_folder(platform: Platform, tmp_path: Any) -> None:
    from tests.support import statements

    path = tmp_path / "mars.cod"
    path.write_bytes(statements.sample_coda().encode("ascii"))
    bert = make_operator("bert.finance", "finance")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_desk(app, pilot, bert, "m")
        await answer(app, pilot, "i", str(path), "statement of March, ticket 7")
        assert isinstance(app.screen, MoneyDeskScreen)
        message = str(app.screen.query_one("#bo-message").render())
        assert "[operators] import_folder" in message, message
    assert StatementImport.select().count() == 0


async def test_an_import_opens_from_its_row_even_after_the_desk_moved_on(platform: Platform) -> None:
    import dataclasses

    from immo_connect.tui.screens.operators.import_report import ImportReportScreen

    with transaction():
        imported = StatementImport.create(filename="april.cod", format="coda", sha256="1" * 64, operator="cron",
                                          imported_at=utcnow(), credited=1)
    bert = make_operator("bert.finance", "finance")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_desk(app, pilot, bert, "m")
        desk = app.screen
        assert isinstance(desk, MoneyDeskScreen) and desk.overview is not None
        # The desk's data was read again meanwhile and no longer lists this import among the latest.
        desk.overview = dataclasses.replace(desk.overview, imports=[])
        desk.query_one("#bo-imports").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ImportReportScreen)
        assert (app.screen.import_id, app.screen.filename) == (imported.id, "april.cod")
