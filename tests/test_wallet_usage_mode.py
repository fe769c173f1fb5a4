"""Each tool charge keeps the usage mode it ran under, on SQLite and PostgreSQL: written with the
row by the tools' charge path, immutable like the row, NULL on rows of before schema version 6
(invoiced as « mode inconnu »), and checked like every other parameter of a charge."""

from __future__ import annotations

from collections.abc import Callable

import peewee
import pytest

from immo_connect import storage
from immo_connect.clock import FrozenClock
from immo_connect.errors import ValidationError
from immo_connect.invoices.models import Invoice
from immo_connect.platform import Platform
from immo_connect.storage import database, transaction
from immo_connect.tools import ToolContext, role_choice
from immo_connect.wallet import WalletTransaction, models
from tests.support.invoices import AFTER_MONTH, IN_MONTH, MONTH, SELLER
from tests.support.tools import Agency, make_agency, register_cadastrefinder, registers_config
from tests.support.wallet import ledger_problems


def _searching_agency(platform: Platform) -> tuple[Agency, ToolContext]:
    """An agency whose employee may search CadastreFinder under the mode ``agent``; (agency, context)."""
    agency = make_agency(platform)
    register_cadastrefinder(platform, agency)
    platform.tools.save_access(agency.manager, agency.organisation.id, "cadastrefinder", "agent",
                               {agency.employee.id: role_choice("assistant")})
    platform.tools.accept_terms(agency.employee, "cadastrefinder", "2016-1")
    platform.wallet.credit(agency.organisation.id, 50_00, kind="online_topup", description="Top-up",
                           idempotency_key="mode:topup")
    return agency, platform.tools.start(agency.employee, "cadastrefinder", agency.organisation.id, "agent")


def test_a_tool_charge_stores_its_usage_mode_and_the_row_keeps_it(
    make_platform: Callable[..., Platform], database_url: str,
) -> None:
    from immo_connect.plugins.tools.cadastrefinder.parcels import ParcelQuery
    from immo_connect.plugins.tools.cadastrefinder.search import search

    platform = make_platform(database_url, config_text=registers_config())
    _agency, context = _searching_agency(platform)
    search(platform, context, ParcelQuery(municipality="Namur"), idempotency_key="first")
    charged = WalletTransaction.get(WalletTransaction.kind == "tool_usage")
    assert (charged.tool, charged.usage_mode) == ("cadastrefinder", "agent")
    # Top-ups have no usage mode.
    assert WalletTransaction.get(WalletTransaction.kind == "online_topup").usage_mode is None
    # Part of the final row: it never changes.
    with pytest.raises(peewee.DatabaseError), database.obj.atomic():
        database.obj.execute_sql(f"UPDATE wallet_transaction SET usage_mode = 'notary' WHERE id = {charged.id}")
    assert WalletTransaction.get_by_id(charged.id).usage_mode == "agent"


def test_a_malformed_usage_mode_is_refused_and_changes_nothing(make_platform: Callable[..., Platform]) -> None:
    platform = make_platform(config_text=registers_config())
    agency, _context = _searching_agency(platform)
    before = WalletTransaction.select().count()
    with pytest.raises(ValidationError) as caught:
        platform.wallet.charge(agency.manager, agency.organisation.id, 150, tool="cadastrefinder",
                               description="Search", idempotency_key="mode:bad", usage_mode="agent; DROP")
    assert (caught.value.code, caught.value.field) == ("usage_mode_invalid", "usage_mode")
    assert caught.value.hint
    assert WalletTransaction.select().count() == before


def test_rows_of_before_the_mode_are_kept_and_invoiced_as_mode_unknown(
    make_platform: Callable[..., Platform], database_url: str, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from immo_connect.plugins.tools.cadastrefinder.parcels import ParcelQuery
    from immo_connect.plugins.tools.cadastrefinder.search import search

    # A database of schema version 5: no usage_mode column yet.
    monkeypatch.setattr(models, "MIGRATIONS", models.MIGRATIONS[:5])
    platform = make_platform(database_url, config_text=registers_config() + SELLER)
    clock.current = IN_MONTH
    agency, context = _searching_agency(platform)
    wallet_id = int(platform.wallet.ensure_wallet(agency.organisation.id).id)
    db = database.obj
    p = db.param
    with transaction():
        db.execute_sql("ALTER TABLE wallet_transaction DROP COLUMN usage_mode")
        # A charge as schema version 5 wrote it (the top-up above is number 1).
        at = IN_MONTH.isoformat(" ")
        db.execute_sql(
            "INSERT INTO wallet_transaction (wallet_id, number, kind, tool, type_key, description, amount, status, "
            "failure_reason, balance_before, balance_after, actor_id, actor_name, reference, request_hash, "
            "created_at, completed_at, debit_account, credit_account, action, source) "
            f"VALUES ({', '.join([p] * 21)})",
            (wallet_id, 2, "tool_usage", "cadastrefinder", "tool:cadastrefinder", "Old search", -150, "succeeded",
             "", 50_00, 48_50, int(agency.employee.id), "old", "", "", at, at, f"wallet:{wallet_id}",
             "platform:tool:cadastrefinder", "wallet.charge", "tui"))
        db.execute_sql(f"UPDATE wallet SET balance = 4850, last_number = 2 WHERE id = {wallet_id}")
    monkeypatch.undo()

    assert storage.upgrade() == ["immo_connect.wallet.models:6 the usage mode of each tool charge"]
    old = WalletTransaction.get(WalletTransaction.description == "Old search")
    assert old.usage_mode is None
    assert ledger_problems() == []
    # Charges go on, now with their mode.
    search(platform, context, ParcelQuery(municipality="Namur"), idempotency_key="after")
    assert [row.usage_mode for row in WalletTransaction.select().where(WalletTransaction.kind == "tool_usage")
            .order_by(WalletTransaction.number)] == [None, "agent"]

    clock.current = AFTER_MONTH
    platform.invoices.run(MONTH)
    invoice = Invoice.get(Invoice.kind == "invoice")
    lines = platform.invoices.document(invoice).totals.lines
    assert [(line.name, line.usage_mode, line.quantity) for line in lines] == [
        ("CadastreFinder — Recherche cadastrale (mode inconnu)", None, 1),
        ("CadastreFinder — Recherche cadastrale (En tant qu'agent immobilier)", "agent", 1)]
    xml = platform.invoices.xml_bytes(invoice).decode()
    assert "<cbc:ID>cadastrefinder:agent</cbc:ID>" in xml and "<cbc:Value>agent</cbc:Value>" in xml
