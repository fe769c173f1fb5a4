"""A worker process for the concurrency test: its own platform, random movements on shared wallets."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from immo_connect.config import load_settings
from immo_connect.errors import ImmoConnectError
from immo_connect.platform import create_platform


def run(url: str, data_dir: str, seed: int, operations: int, organisations: list[int], manager: int,
        shared_keys: list[str], barrier: Any, results: Any) -> None:
    """Do ``operations`` random charges, credits and transfers; report ``(key, transaction id)``."""
    environ = {"IMMO_CONNECT_DATA_DIR": str(Path(data_dir))}
    settings = load_settings(None, environ=environ, database_url=url)
    platform = create_platform(settings, environ=environ, load_entrypoints=False, migrate=False, source="test")
    wallet = platform.wallet
    rng = random.Random(seed)
    done: list[tuple[str, int, str]] = []
    barrier.wait()
    for index in range(operations):
        choice = rng.random()
        org = rng.choice(organisations)
        # Some keys are shared by every process (same parameters): exactly one must win.
        shared = rng.random() < 0.1
        try:
            if shared:
                key = rng.choice(shared_keys)
                if shared_keys.index(key) % 2:  # a tool's charge retried from several places
                    tx = wallet.charge(manager, organisations[0], 300, tool="btv", description="Shared use",
                                       idempotency_key=key)
                else:
                    tx = wallet.credit(organisations[0], 700, kind="bank_transfer",
                                       description="Shared statement line", idempotency_key=key)
            elif choice < 0.25:
                key = f"w{seed}:credit:{index}"
                tx = wallet.credit(org, rng.randint(1, 3_000), kind="online_topup", description="Top-up",
                                   idempotency_key=key)
            elif choice < 0.75:
                key = f"w{seed}:charge:{index}"
                tx = wallet.charge(manager, org, rng.randint(1, 2_000), tool="btv", description="Use",
                                   idempotency_key=key)
            else:
                target = rng.choice([o for o in organisations if o != org])
                key = f"w{seed}:transfer:{index}"
                tx = wallet.transfer(manager, org, target, rng.randint(1, 2_500), description="Move",
                                     idempotency_key=key)
            # A retry of the same request returns the same transaction.
            if rng.random() < 0.2 and not shared and choice < 0.25:
                again = wallet.credit(org, int(tx.amount), kind="online_topup", description="Top-up",
                                      idempotency_key=key)
                assert again.id == tx.id
            done.append((key, int(tx.id), str(tx.status)))
        except ImmoConnectError as error:  # pragma: no cover - reported to the test
            done.append((f"error:{error.code}", 0, str(error)))
    platform.database.close()
    results.put(done)


def charge_until_killed(url: str, data_dir: str, organisation: int, member: int, started: Any) -> None:
    """Charge one wallet as fast as possible, forever; ``started`` is set after the first charges."""
    environ = {"IMMO_CONNECT_DATA_DIR": str(Path(data_dir))}
    settings = load_settings(None, environ=environ, database_url=url)
    platform = create_platform(settings, environ=environ, load_entrypoints=False, migrate=False, source="test")
    index = 0
    while True:
        platform.wallet.charge(member, organisation, 1, tool="btv", description="Use",
                               idempotency_key=f"killed:{index}")
        index += 1
        if index == 20:
            started.set()
