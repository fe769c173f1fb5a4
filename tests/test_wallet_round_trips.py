"""A tool's charge costs as few database round trips as the engine allows, and stays sound.

On PostgreSQL every statement is a round trip to the server, and tools charge often: the
common charge (an active member, a wallet that covers it, a new key) is ONE statement there
(the membership check, the conditional debit and the row), four on SQLite (BEGIN, UPDATE,
INSERT, COMMIT). The counts are asserted so that they cannot creep back.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from immo_connect.audit import AuditEvent
from immo_connect.errors import ConflictError, PermissionDenied
from immo_connect.platform import Platform
from immo_connect.storage import is_postgres, transaction
from immo_connect.wallet import WalletTransaction
from tests.support import wallet_worker
from tests.support.round_trips import statements_sent
from tests.support.wallet import Scene, balances, ledger_problems, make_scene


@pytest.fixture
def wallet_platform(make_platform: Callable[..., Platform], database_url: str) -> Platform:
    return make_platform(database_url)


@pytest.fixture
def scene(wallet_platform: Platform) -> Scene:
    scene = make_scene()
    wallet_platform.wallet.credit(scene.first.id, 10_000, kind="online_topup", description="Top-up",
                                  idempotency_key="start")
    return scene


def _fields(row: WalletTransaction) -> dict[str, object]:
    return {name: getattr(row, name) for name in WalletTransaction._meta.fields}


def test_a_charge_is_one_round_trip_on_postgresql(wallet_platform: Platform, scene: Scene) -> None:
    with statements_sent() as sent:
        row = wallet_platform.wallet.charge(scene.member, scene.first.id, 1_250, tool="btv",
                                            description="Parcel search", idempotency_key="c:1",
                                            public_description="Tool use", usage_mode="standard")
    if is_postgres():
        assert len(sent) == 1 and sent[0].startswith("WITH d AS (UPDATE wallet"), sent
    else:
        assert [s.split()[0] for s in sent] == ["BEGIN", "UPDATE", "INSERT", "COMMIT"], sent
    # What the call returns is the row as stored, though it was never read back.
    assert _fields(row) == _fields(WalletTransaction.get_by_id(row.id))
    assert (row.number, row.amount, row.balance_before, row.balance_after) == (2, -1_250, 10_000, 8_750)
    assert (row.actor_id, row.actor_name, row.action) == (scene.member.id, scene.member.username, "wallet.charge")
    assert (row.debit_account, row.credit_account) == (f"wallet:{row.wallet_id}", "platform:tool:btv")
    assert (row.public_description, row.usage_mode) == ("Tool use", "standard")
    assert ledger_problems() == []


def test_a_replay_costs_one_lookup_more(wallet_platform: Platform, scene: Scene) -> None:
    wallet = wallet_platform.wallet
    first = wallet.charge(scene.member, scene.first.id, 500, tool="btv", description="Use", idempotency_key="c:2")
    with statements_sent() as sent:
        again = wallet.charge(scene.member, scene.first.id, 500, tool="btv", description="Use",
                              idempotency_key="c:2")
    assert again.id == first.id and balances()[scene.first.id] == 9_500
    assert len(sent) == (2 if is_postgres() else 5), sent  # SQLite: and its BEGIN, INSERT, ROLLBACK
    with pytest.raises(ConflictError):
        wallet.charge(scene.member, scene.first.id, 501, tool="btv", description="Use", idempotency_key="c:2")
    assert balances()[scene.first.id] == 9_500 and ledger_problems() == []


def test_what_the_single_statement_cannot_do_takes_the_general_path(wallet_platform: Platform, scene: Scene) -> None:
    wallet = wallet_platform.wallet
    # Too low a balance: a failed row, numbered, the balance unchanged.
    failed = wallet.charge(scene.member, scene.first.id, 10_001, tool="btv", description="Use", idempotency_key="g:1")
    assert (failed.status, failed.number, failed.balance_after) == ("failed", 2, 10_000)
    # Not a member: refused and audited, nothing written to the ledger.
    with pytest.raises(PermissionDenied):
        wallet.charge(scene.outsider, scene.first.id, 100, tool="btv", description="Use", idempotency_key="g:2")
    assert AuditEvent.select().where(AuditEvent.outcome == "refused").count() == 1
    # A first charge creates the wallet; inside a caller's transaction it waits for its commit.
    with transaction():
        other = wallet.charge(scene.manager, scene.second.id, 1, tool="btv", description="Use", idempotency_key="g:3")
    assert other.status == "failed" and other.number == 1
    assert WalletTransaction.select().count() == 3 and ledger_problems() == []


@pytest.mark.slow
def test_a_process_killed_while_charging_leaves_the_ledger_sound(
    wallet_platform: Platform, scene: Scene, database_url: str, tmp_path: Path
) -> None:
    wallet_platform.database.close()
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    worker = context.Process(target=wallet_worker.charge_until_killed,
                             args=(database_url, str(tmp_path / "data"), scene.first.id, scene.member.id, started))
    worker.start()
    try:
        assert started.wait(timeout=120)
    finally:
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)  # mid-charge, most likely
        worker.join(timeout=60)
    charged = WalletTransaction.select().where(WalletTransaction.kind == "tool_usage").count()
    assert charged >= 20
    assert balances()[scene.first.id] == 10_000 - charged
    assert ledger_problems() == []
