"""Wallet → Factures driven by the keyboard: the list and the download to the export folder."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable, Label

from immo_connect.clock import FrozenClock
from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.wallet.invoices import WalletInvoicesScreen
from immo_connect.tui.screens.wallet.wallet import WalletScreen
from tests.support.factories import make_account
from tests.support.invoices import MONTH, SELLER, make_month
from tests.support.tui import settle, sign_in


async def test_invoices_are_listed_and_saved_as_pdf_and_xml(
    make_platform: Callable[..., Platform], clock: FrozenClock,
) -> None:
    platform = make_platform(config_text=SELLER)
    month = make_month(platform, clock)
    platform.invoices.run(MONTH)
    second = month.organisations[1]
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(180, 50)) as pilot:
        sign_in(app, month.manager)
        await app.push_screen(WalletScreen(organisation_id=int(second.id)))
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, WalletInvoicesScreen)
        table = app.screen.query_one("#invoices-table", DataTable)
        listed = [" | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]
        assert len(listed) == 2
        assert listed[0].startswith("2026-000003 | Note de crédit | 2026-10") and "16,00" in listed[0]
        assert listed[1].startswith("2026-000002 | Facture | 2026-10") and "13,22 | 2,78 | 16,00" in listed[1]
        await pilot.press("down", "d")
        await settle(pilot)
        folder = platform.wallet.export_folder(str(month.manager.username))
        assert (folder / "invoice-2026-000002.pdf").read_bytes().startswith(b"%PDF")
        assert b"<cbc:ID>2026-000002</cbc:ID>" in (folder / "invoice-2026-000002.xml").read_bytes()
        message = str(app.screen.query_one("#invoices-message", Label).render())
        assert "invoice-2026-000002.pdf" in message and "invoice-2026-000002.xml" in message
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WalletScreen)


async def test_someone_outside_the_organisation_sees_no_invoice(
    make_platform: Callable[..., Platform], clock: FrozenClock,
) -> None:
    platform = make_platform(config_text=SELLER)
    month = make_month(platform, clock)
    platform.invoices.run(MONTH)
    outsider = make_account(first_name="Chris", last_name="Dubois")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(180, 50)) as pilot:
        sign_in(app, outsider)
        await app.push_screen(WalletInvoicesScreen(int(month.organisations[0].id)))
        await settle(pilot)
        assert app.screen.query_one("#invoices-table", DataTable).row_count == 0
        assert "membre" in str(app.screen.query_one("#invoices-message", Label).render())
