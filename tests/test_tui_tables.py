"""Tables keep what matters: amount, status and date stay on screen at 80×24, free text is cut
with « … », and the row-detail key shows a row's every column, whole and literal."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.keymap import ROW_DETAIL, SHARED_KEYS
from immo_connect.tui.screens.row_detail import RowDetailDialog
from immo_connect.tui.screens.tools._tool_launch import open_tool
from immo_connect.tui.screens.wallet.wallet import WalletScreen
from immo_connect.tui.widgets.footer import AppFooter, shown_keys
from immo_connect.tui.widgets.safe import Label, Static
from immo_connect.tui.widgets.table import Column, RecordTable, cut, layout
from immo_connect.wallet.models import WalletTransaction
from tests.support.tools import MakePlatform, fund, make_agency, register_cadastrefinder, registers_config
from tests.support.tui import settle, sign_in
from tests.support.wallet import make_scene

HOSTILE = "[b]gras[/i] [@click=app.quit]Voir[/] \x1b[2J\x07 Agent [/] " + "x" * 10_000


def test_layout_keeps_the_kept_columns_and_gives_the_rest_to_the_free_text() -> None:
    columns = [Column("N°", priority=1), Column("Date", keep=True), Column("Description", flex=True),
               Column("Par", priority=2), Column("Montant", keep=True, right=True), Column("Statut", keep=True)]
    natural = [4, 16, 10_000, 30, 13, 12]
    widths = layout(columns, natural, room=76, padding=2)
    assert widths[1] == 16 and widths[4] == 13 and widths[5] == 12  # whole
    assert widths[3] == 0  # given up before the free text is squeezed below its minimum
    assert sum(w + 2 for w in widths if w) == 76  # the free text takes exactly what is left
    wide = layout(columns, natural, room=200, padding=2)
    assert all(wide) and sum(w + 2 for w in wide) == 200


def test_a_cut_cell_ends_with_an_ellipsis_and_keeps_one_line() -> None:
    assert cut("Recherche de parcelle", 10).plain == "Recherche…"
    assert cut("a\nb", 10).plain == "a⏎b"
    assert cut("court", 10).plain == "court"


async def _wallet_with_hostile_line(platform: Platform, pilot: Pilot[Any], app: ImmoConnectApp) -> int:
    scene = make_scene()
    platform.wallet.credit(scene.first.id, 12_345_678, kind="online_topup", description="Bancontact",
                           idempotency_key="t:1")
    # Written as an old row or another writer would have it: past the core's checks (the
    # ledger is append-only, so the line is added beside the real one).
    top_up = WalletTransaction.get(WalletTransaction.idempotency_key == "t:1")
    data = {**top_up.__data__, "description": HOSTILE, "kind": "bank_transfer", "amount": 2_000,
            "idempotency_key": None, "number": int(top_up.number) + 1}
    data.pop("id")
    WalletTransaction.insert(**data).execute()
    sign_in(app, scene.manager)
    await app.push_screen(WalletScreen(scene.first.id))
    await settle(pilot)
    return scene.first.id


async def test_at_80x24_the_amount_is_whole_beside_a_10000_character_description(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await _wallet_with_hostile_line(platform, pilot, app)
        table = app.screen.query_one("#wallet-transactions", RecordTable)
        labels = [str(column.label) for column in table.columns.values()]
        assert {"Date", "Montant (EUR)", "Statut"} <= set(labels), labels
        assert table.row_count == 2 and table.scroll_x == 0
        # The hostile line is the newest: the first row.
        cells = {label: cell.plain for label, cell in zip(labels, table.get_row_at(0), strict=True)}
        assert cells["Montant (EUR)"].strip() == "+20,00"
        assert cells["Description"].endswith("…") and len(cells["Description"]) < 80
        # Every shown column, the amount's too, lies inside the screen.
        x = table.content_region.x
        for column in table.columns.values():
            x += column.get_render_width(table)
            assert x <= app.screen.size.width, (str(column.label), x)
        assert table.virtual_size.width <= table.scrollable_content_region.width


async def test_the_row_detail_key_shows_the_whole_hostile_description_literally(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await _wallet_with_hostile_line(platform, pilot, app)
        app.screen.query_one("#wallet-transactions", RecordTable).focus()
        assert SHARED_KEYS["show_row"] == ROW_DETAIL.keys == "space"
        await pilot.press("space")
        await settle(pilot)
        assert isinstance(app.screen, RowDetailDialog)
        shown = [str(static.render()) for static in app.screen.query(Static)]
        # Literal: the markup stays as typed, ESC and BEL are visible symbols, nothing is cut.
        expected = HOSTILE.replace("\x1b", "␛").replace("\x07", "␇")
        assert expected in shown
        assert "Description" in shown and "Montant (EUR)" in shown
        assert app.is_running  # [@click=app.quit] did not run, the markup did not end the app
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WalletScreen)


def _footer_actions(app: ImmoConnectApp) -> set[str]:
    return {action for _key, _d, action, *_rest in shown_keys(app.screen)}


async def test_the_footer_shows_refund_and_voucher_only_for_a_row_that_allows_them(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await _wallet_with_hostile_line(platform, pilot, app)
        table = app.screen.query_one("#wallet-transactions", RecordTable)
        table.focus()
        assert table.cursor_row == 0  # the bank transfer: no online refund
        shown = _footer_actions(app)
        assert "voucher" in shown and "show_row" in shown and "refund" not in shown
        await pilot.press("down")  # the online top-up
        await settle(pilot)
        assert "refund" in _footer_actions(app)
        await pilot.press("up")
        await settle(pilot)
        assert "refund" not in _footer_actions(app)


def test_every_table_of_the_ui_is_a_record_table() -> None:
    """Screens and tool screens build tables from tui/widgets/table.py, never a bare DataTable:
    so every table keeps what matters and opens its rows with the same key."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    allowed = {root / "tui" / "widgets" / "safe.py", root / "tui" / "widgets" / "table.py"}
    bare = re.compile(r"\bDataTable\s*(\[[^\]]*\])?\s*\(")
    offenders = [str(path.relative_to(root)) for folder in ("tui", "plugins") for path in (root / folder).rglob("*.py")
                 if path not in allowed and bare.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_quality_text_cuts_the_name_before_the_usage_mode() -> None:
    from types import SimpleNamespace

    from immo_connect.tui.widgets.header import quality_text

    quality = SimpleNamespace(organisation_name="Agence Immobilière du Parc Léopold & Associés — Bruxelles",
                              mode_title="En tant qu'agent immobilier")
    text = quality_text(quality, 60)
    assert len(text) == 60 and text.endswith("· En tant qu'agent immobilier") and "…" in text
    assert quality_text(quality, 0).endswith("Bruxelles · En tant qu'agent immobilier")


async def test_at_80x24_the_header_shows_the_usage_mode_and_the_whole_balance(make_platform: MakePlatform) -> None:
    platform = make_platform(config_text=registers_config())
    agency = make_agency(platform, "Agence Immobilière du Parc Léopold & Associés — Bruxelles-Capitale")
    register_cadastrefinder(platform, agency)
    fund(platform, agency.organisation.id, 123_456_789)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        sign_in(app, agency.manager)
        context = platform.tools.start(agency.manager.id, "cadastrefinder", agency.organisation.id, "agent")
        open_tool(app, context)
        await settle(pilot, lambda: getattr(app, "workspace_quality", None) is not None)
        await settle(pilot)
        balance = app.screen.query_one("#header-balance", Label)
        quality = app.screen.query_one("#header-quality", Label)
        assert str(balance.render()).replace("\u202f", " ") == "1 234 567,89 €"
        assert balance.region.right <= 80 and balance.region.width >= len("1 234 567,89 €")
        shown = str(quality.render())
        mode = app.workspace_quality.mode_title
        assert mode and "…" in shown and "· " + mode[:10] in shown  # the name gave way, not the mode
        assert quality.region.right <= balance.region.x


async def test_at_80x24_the_footer_shows_whole_keys_and_always_the_help(platform: Platform) -> None:
    from textual.widgets._footer import FooterKey

    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        await _wallet_with_hostile_line(platform, pilot, app)
        await settle(pilot)
        keys = [key for key in app.screen.query(FooterKey) if key.display]
        shown = {key.action for key in keys}
        assert {"help", "show_row", "top_up", "command_palette"} <= shown
        assert len(keys) < len(_footer_actions(app))  # the others are in the help and the palette
        footer = app.screen.query_one(AppFooter)
        assert footer.max_scroll_x == 0  # nothing runs past the edge, no key is half shown
        for key in keys:
            assert key.region.right <= 80, key.action
