"""Wallet movements are audited by their ledger rows, and migration 3 moved the old ledger there.

On SQLite and PostgreSQL: the audit log shows every movement once, with its actor,
organisation, outcome and source, merged in time order with the stored events and filtered
like them; a database whose postings and audit events were written by schema version 2 is
moved onto the transaction rows without losing or doubling anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import peewee
import pytest
from playhouse.test_utils import count_queries

from immo_connect import audit, storage
from immo_connect.audit import AuditEvent, AuditFilter
from immo_connect.clock import FrozenClock
from immo_connect.errors import PermissionDenied
from immo_connect.platform import Platform
from immo_connect.storage import database, transaction
from immo_connect.wallet import WalletTransaction, models
from immo_connect.wallet.invariants import platform_accounts
from tests.support.wallet import ledger_problems, make_scene, posting_count


def actions(filters: AuditFilter | None = None, limit: int = 100) -> list[str]:
    return [event.action for event in audit.query(filters or AuditFilter(), limit=limit)]


def test_movements_are_audit_events_once_merged_in_time_and_filtered(
    make_platform: Callable[..., Platform], database_url: str, clock: FrozenClock
) -> None:
    platform = make_platform(database_url, source="ssh:192.0.2.7")
    wallet, scene = platform.wallet, make_scene()
    wallet.credit(scene.first.id, 2_000, kind="online_topup", description="Top-up", idempotency_key="a:1",
                  actor=scene.member, reference="tr_1")
    with pytest.raises(PermissionDenied):  # refused: audited, no row
        wallet.charge(scene.outsider, scene.first.id, 100, tool="btv", description="Use", idempotency_key="a:6")
    clock.advance(minutes=1)
    with transaction():  # a stored event between two movements
        audit.record("org.updated", actor="someone", organisation_id=scene.first.id, at=clock.now())
    clock.advance(minutes=1)
    charged = wallet.charge(scene.member, scene.first.id, 500, tool="btv", description="Use", idempotency_key="a:2")
    clock.advance(minutes=1)
    wallet.charge(scene.member, scene.first.id, 9_999, tool="btv", description="Too much", idempotency_key="a:3")
    clock.advance(minutes=1)
    wallet.transfer(scene.manager, scene.first.id, scene.second.id, 700, description="Budget", idempotency_key="a:4")
    clock.advance(minutes=1)
    pending = wallet.credit(scene.second.id, 5_000, kind="online_topup", description="Visa",
                            idempotency_key="a:5", pending=True)
    clock.advance(minutes=1)
    wallet.settle(pending.id, succeeded=False, reason="expired")

    # Newest first. The refusal is stored (it wrote no row), the settling too (it changed one).
    assert actions(AuditFilter(action="wallet.")) == [
        "wallet.settle", "wallet.credit_pending", "wallet.transfer_in", "wallet.transfer", "wallet.charge",
        "wallet.charge", "wallet.charge", "wallet.credit",
    ]
    assert actions(limit=4) == ["wallet.settle", "wallet.credit_pending", "wallet.transfer_in", "wallet.transfer"]
    assert actions(AuditFilter(organisation_id=scene.first.id))[-3:] == ["org.updated", "wallet.charge",
                                                                         "wallet.credit"]
    assert actions(AuditFilter(organisation_id=scene.second.id)) == [
        "wallet.settle", "wallet.credit_pending", "wallet.transfer_in"]

    (used,) = audit.query(AuditFilter(action="wallet.charge", outcome="success"))
    assert (used.actor_id, used.actor, used.organisation_id) == (scene.member.id, scene.member.username,
                                                                scene.first.id)
    assert (used.at, used.source, used.target) == (charged.created_at, "ssh:192.0.2.7",
                                                   f"wallet:{charged.wallet_id}#2")
    assert json.loads(used.detail) == {"transaction": charged.id, "amount_cents": -500, "kind": "tool_usage",
                                       "tool": "btv", "status": "succeeded", "reason": ""}
    # Creating the pending line succeeded; its settling failed (a separate event).
    assert actions(AuditFilter(action="wallet.", outcome="failed")) == ["wallet.settle", "wallet.charge"]
    assert actions(AuditFilter(action="wallet.", outcome="refused")) == ["wallet.charge"]
    assert actions(AuditFilter(actor=scene.manager.username)) == ["wallet.transfer_in", "wallet.transfer"]
    window = AuditFilter(action="wallet.", since=charged.created_at, until=pending.created_at)
    assert actions(window) == ["wallet.transfer_in", "wallet.transfer", "wallet.charge", "wallet.charge"]
    with count_queries() as counted:  # other areas' actions do not read the ledger
        assert actions(AuditFilter(action="org.")) == ["org.updated"]
    assert counted.count == 1
    assert actions(AuditFilter(action="wal")) == actions(AuditFilter(action="wallet."))
    # Written once: no movement has a stored twin.
    stored = AuditEvent.select().where(AuditEvent.action.startswith("wallet."))
    assert sorted(e.action for e in stored) == ["wallet.charge", "wallet.settle"]


def _old_ledger(platform: Platform) -> tuple[int, int]:
    """Rows, postings and audit events as schema version 2 wrote them; (charge id, wallet id)."""
    scene = make_scene(member_right=None)  # wallet rights came with schema version 5
    wallet_id = int(platform.wallet.ensure_wallet(scene.first.id).id)
    db = database.obj
    p = db.param
    at = "2025-03-01 10:00:00"
    columns = ("wallet_id, number, kind, tool, type_key, description, amount, status, failure_reason, "
               "balance_before, balance_after, actor_name, reference, request_hash, created_at, completed_at")
    rows = [
        (1, "correction", "", "correction", "Opening", 1_000, "succeeded", 0, 1_000),
        (2, "tool_usage", "btv", "tool:btv", "Use", -300, "succeeded", 1_000, 700),
        (3, "tool_usage", "btv", "tool:btv", "Too much", -5_000, "failed", 700, 700),
    ]
    ids = []
    with transaction():
        for number, kind, tool, key, text, amount, status, before, after in rows:
            values = (wallet_id, number, kind, tool, key, text, amount, status,
                      "insufficient_funds" if status == "failed" else "", before, after, "old", "", "", at, at)
            cursor = db.execute_sql(
                f"INSERT INTO wallet_transaction ({columns}) VALUES ({', '.join([p] * 16)})"
                + ("" if p == "?" else " RETURNING id"), values)
            ids.append(cursor.lastrowid if p == "?" else cursor.fetchone()[0])
            db.execute_sql(
                "INSERT INTO audit_event (at, actor, organisation_id, action, target, outcome, source, detail) "
                f"VALUES ({', '.join([p] * 8)})",
                (at, "old", scene.first.id, "wallet.charge" if amount < 0 else "wallet.credit",
                 f"wallet:{wallet_id}#{number}", "success" if status == "succeeded" else "failed", "", "{}"))
        for tx_id, debit, credit, amount in ((ids[0], "platform:corrections", f"wallet:{wallet_id}", 1_000),
                                             (ids[1], f"wallet:{wallet_id}", "platform:tool:btv", 300)):
            db.execute_sql(
                "INSERT INTO posting (transaction_id, debit_account, credit_account, amount, created_at) "
                f"VALUES ({', '.join([p] * 5)})", (tx_id, debit, credit, amount, at))
        db.execute_sql(f"UPDATE wallet SET balance = 700, last_number = 3 WHERE id = {wallet_id}")
    return ids[1], wallet_id


def test_migration_moves_version_2_postings_onto_their_rows(
    make_platform: Callable[..., Platform], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(models, "MIGRATIONS", models.MIGRATIONS[:2])
    platform = make_platform(database_url)
    with database.obj.atomic():  # the version 2 table had none of the new columns
        for name, _type in models._NEW_COLUMNS:
            database.obj.execute_sql(f"ALTER TABLE wallet_transaction DROP COLUMN {name}")
    charge_id, wallet_id = _old_ledger(platform)
    monkeypatch.undo()

    assert storage.upgrade() == ["immo_connect.wallet.models:3 postings and audit trail on the transactions",
                                 "immo_connect.wallet.models:4 a balance may go below zero when money is taken back",
                                 "immo_connect.wallet.models:5 wallet rights per employee, confidential details, "
                                 "filter by person",
                                 "immo_connect.wallet.models:6 the usage mode of each tool charge"]

    assert not platform.database.table_exists("posting")
    charge = WalletTransaction.get_by_id(charge_id)
    assert (charge.debit_account, charge.credit_account, charge.action) == (f"wallet:{wallet_id}",
                                                                            "platform:tool:btv", None)
    assert posting_count() == 2 and ledger_problems() == []
    assert platform_accounts() == {f"wallet:{wallet_id}": 700, "platform:corrections": -1_000,
                                   "platform:tool:btv": 300}
    # The old rows' events stay where they were, shown once.
    assert actions(AuditFilter(action="wallet.")) == ["wallet.charge", "wallet.charge", "wallet.credit"]
    # Final rows still refuse changes, their postings included.
    for statement in (f"UPDATE wallet_transaction SET credit_account = 'wallet:1' WHERE id = {charge_id}",
                      f"DELETE FROM wallet_transaction WHERE id = {charge_id}"):
        with pytest.raises(peewee.DatabaseError), database.obj.atomic():
            database.obj.execute_sql(statement)
    # New movements go on as usual.
    scene_org = WalletTransaction.get_by_id(charge_id).wallet.organisation_id
    platform.wallet.credit(scene_org, 100, kind="correction", description="After", idempotency_key="m:1")
    assert posting_count() == 3 and ledger_problems() == []
    assert actions(AuditFilter(action="wallet."))[0] == "wallet.credit"
