"""Several processes charge, top up and transfer on the same wallets at once.

Each process has its own platform and database connection (as the SSH server's sessions
do). Afterwards the ledger must hold: no negative balance, balances equal postings, each
idempotency key used once (and every process that sent a shared key got the same
transaction), and the balance before/after of every wallet chains without gaps.
"""

from __future__ import annotations

import multiprocessing
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from immo_connect.platform import Platform
from immo_connect.wallet import WalletTransaction
from tests.support import wallet_worker
from tests.support.factories import make_account, make_organisation
from tests.support.wallet import balances, ledger_problems

PROCESSES = 4
OPERATIONS = 120


@pytest.mark.slow
def test_processes_moving_money_at_once_keep_the_ledger_sound(
    make_platform: Callable[..., Platform], database_url: str, tmp_path: Path
) -> None:
    platform = make_platform(database_url)
    manager = make_account()
    organisations = [make_organisation(manager, name=f"Agence {n}").id for n in range(3)]
    for org in organisations:  # some money to start with, so charges both succeed and fail
        platform.wallet.credit(org, 5_000, kind="online_topup", description="Start", idempotency_key=f"start:{org}")
    platform.database.close()
    shared_keys = [f"bank:line:{n}" for n in range(5)]

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(
            target=wallet_worker.run,
            args=(database_url, str(tmp_path / "data"), seed, OPERATIONS, organisations, manager.id,
                  shared_keys, barrier, results),
        )
        for seed in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=240) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0

    done = [entry for report in reports for entry in report]
    errors = [entry for entry in done if entry[0].startswith("error:")]
    assert not errors, errors
    assert len(done) == PROCESSES * OPERATIONS

    by_key: dict[str, set[int]] = defaultdict(set)
    for key, tx_id, _status in done:
        by_key[key].add(tx_id)
    assert all(len(ids) == 1 for ids in by_key.values()), "a key gave different transactions"
    assert ledger_problems() == []
    assert min(balances().values()) >= 0

    rows = WalletTransaction.select()
    statuses = {row.status for row in rows}
    assert statuses == {"succeeded", "failed"}  # both paths were exercised under contention
    shared = [k for k in shared_keys if k in by_key]
    assert shared, "no process used a shared key"
    stored = WalletTransaction.select().where(WalletTransaction.idempotency_key.in_(shared)).count()
    assert stored == len(shared)
