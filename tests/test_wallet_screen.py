"""Pilot tests: the wallet screen driven by the keyboard on a real SQLite platform."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label

from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.confirm_dialog import ConfirmDialog
from immo_connect.tui.screens.wallet.wallet import WalletScreen
from immo_connect.tui.screens.wallet.wallet_transfer import WalletTransferScreen
from immo_connect.wallet.models import Wallet
from tests.support.factories import make_account
from tests.support.tui import settle, sign_in
from tests.support.wallet import Scene, make_scene


def rows(app: ImmoConnectApp) -> list[str]:
    table = app.screen.query_one("#wallet-transactions", DataTable)
    return [" | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


def text(app: ImmoConnectApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).render())


def seed(platform: Platform, scene: Scene) -> None:
    wallet = platform.wallet
    wallet.credit(scene.first.id, 10_000, kind="online_topup", description="Bancontact", idempotency_key="s:1")
    wallet.charge(scene.member, scene.first.id, 1_250, tool="cadastrefinder", description="Parcel 12A",
                  idempotency_key="s:2")
    wallet.charge(scene.member, scene.first.id, 50_000, tool="btv", description="Big request", idempotency_key="s:3")
    wallet.credit(scene.first.id, 2_000, kind="bank_transfer", description="Transfer from KBC",
                  idempotency_key="s:4")


async def open_wallet(pilot: Pilot[object], app: ImmoConnectApp, account: object, **kwargs: object) -> None:
    sign_in(app, account)
    await app.push_screen(WalletScreen(**kwargs))  # type: ignore[arg-type]
    await settle(pilot)


async def test_balance_list_filters_and_clear(platform: Platform) -> None:
    scene = make_scene()
    seed(platform, scene)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(180, 50)) as pilot:
        await open_wallet(pilot, app, scene.member)
        assert text(app, "#wallet-balance") == "107,50 €"
        listed = rows(app)
        assert len(listed) == 4
        assert listed[0].startswith("4 |") and "Virement bancaire" in listed[0] and "✓ Réussie" in listed[0]
        assert "✗ Échouée — Le solde était insuffisant." in listed[1] and "BTV" in listed[1]
        assert "CadastreFinder" in listed[2] and "-12,50" in listed[2] and "100,00" in listed[2]
        assert not app.screen.query_one("#wallet-transfer-button").display  # an employee, not a manager

        # Filter on the number: type it, press Enter.
        await pilot.press("slash")
        await pilot.press("2", "enter")
        await settle(pilot)
        assert [r.split(" | ")[0] for r in rows(app)] == ["2"]
        assert text(app, "#wallet-page").startswith("Filtré")

        # Filter on the status "Échouée" and press "Filtrer".
        app.screen.query_one("#wallet-filter-number", Input).value = ""
        app.screen.query_one("#wallet-filter-status").focus()
        await pilot.press("enter", "down", "down", "enter")
        app.screen.query_one("#wallet-filter-button").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert [r.split(" | ")[0] for r in rows(app)] == ["3"]

        # A wrong date is refused in words and the list stays as it was.
        app.screen.query_one("#wallet-filter-from").focus()
        await pilot.press(*"31/02/2026", "enter")
        await settle(pilot)
        assert "n'est pas une date" in text(app, "#wallet-message")

        # "Supprimer tous les filtres".
        app.screen.query_one("#wallet-clear-button").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert len(rows(app)) == 4
        assert app.screen.query_one("#wallet-filter-from", Input).value == ""
        assert not text(app, "#wallet-page").startswith("Filtré")


async def test_export_and_voucher_are_written_to_the_export_folder(platform: Platform) -> None:
    scene = make_scene()
    seed(platform, scene)
    app = ImmoConnectApp(platform)
    folder = platform.settings.data_dir / "exports" / scene.member.username
    async with app.run_test(size=(180, 50)) as pilot:
        await open_wallet(pilot, app, scene.member)
        # Only the failed line, then export it.
        app.screen.query_one("#wallet-filter-type").focus()
        await pilot.press("enter", "down", "down", "down", "down", "enter")  # "Utilisation d'un outil"
        app.screen.query_one("#wallet-filter-button").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert len(rows(app)) == 2
        app.screen.query_one("#wallet-transactions").focus()
        await pilot.press("x")
        await settle(pilot)
        message = text(app, "#wallet-message")
        exported = Path(message.split(": ", 1)[1])
        assert exported.parent == folder and exported.exists()
        lines = list(csv.reader(io.StringIO(exported.read_text("utf-8-sig")), delimiter=";"))
        assert [line[0] for line in lines[1:]] == ["2", "3"]

        # The voucher of the selected (first) line.
        await pilot.press("v")
        await settle(pilot)
        voucher = Path(text(app, "#wallet-message").split(": ", 1)[1])
        assert voucher.parent == folder and voucher.read_bytes().startswith(b"%PDF")
        assert voucher.name.endswith("-3.pdf")


async def test_manager_transfers_and_tops_up(platform: Platform) -> None:
    scene = make_scene()
    seed(platform, scene)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(180, 50)) as pilot:
        await open_wallet(pilot, app, scene.manager, organisation_id=scene.first.id)
        assert app.screen.query_one("#wallet-transfer-button").display
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, WalletTransferScreen)
        await pilot.press(*"500,00")  # more than the balance: refused in words, nothing moves
        app.screen.query_one("#transfer-description").focus()
        await pilot.press(*"Budget Gent", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)  # a question first: from, to and how much
        await pilot.press("tab", "enter")  # yes
        await settle(pilot)
        assert "solde était insuffisant" in text(app, "#transfer-message")
        app.screen.query_one("#transfer-amount", Input).value = "25"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        question = app.screen.question
        assert "25,00 €" in question and scene.first.name in question and "Immo Gent" in question
        await pilot.press("escape")  # no: nothing moves
        await settle(pilot)
        assert isinstance(app.screen, WalletTransferScreen)
        assert Wallet.get(Wallet.organisation == scene.second.id).balance == 0
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, WalletScreen)
        assert text(app, "#wallet-balance") == "82,50 €"
        assert "(vers Immo Gent)" in rows(app)[0]
        assert Wallet.get(Wallet.organisation == scene.second.id).balance == 2_500

        await pilot.press("t")
        await settle(pilot)
        assert type(app.screen).__name__ == "TopUpScreen"


async def test_someone_without_an_organisation_sees_why(platform: Platform) -> None:
    loner = make_account("loner")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_wallet(pilot, app, loner)
        assert "Aucune organisation ne vous donne accès à son wallet" in text(app, "#wallet-balance")
        assert rows(app) == []


async def test_a_negative_balance_is_explained_on_the_page(platform: Platform) -> None:
    scene = make_scene()
    paid = platform.wallet.credit(scene.first.id, 50_00, kind="online_topup", description="Visa [b]top-up[/b]",
                                  idempotency_key="neg:1")
    platform.wallet.charge(scene.member, scene.first.id, 20_00, tool="btv", description="Use", idempotency_key="neg:2")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(180, 50)) as pilot:
        await open_wallet(pilot, app, scene.member)
        assert not app.screen.query_one("#wallet-negative").display
        platform.wallet.take_back(scene.first.id, 50_00, original_transaction_id=paid.id, reason="chargeback",
                                  description="Chargeback [red]x[/red]", idempotency_key="neg:3")
        await pilot.press("r")
        await settle(pilot)
        assert text(app, "#wallet-balance") == "-20,00 €"
        assert app.screen.query_one("#wallet-negative").display
        notice = text(app, "#wallet-negative")
        assert notice.startswith("⚠ Le solde est négatif.")
        assert "50,00 € d'une recharge ont été repris" in notice
        assert "Rétrofacturé par la banque du titulaire de la carte" in notice
        assert "rechargé d'au moins 20,00 €" in notice
        assert "Recharge reprise" in rows(app)[0] and "Chargeback [red]x[/red]" in rows(app)[0]
