"""Sign-in throughput on one core against raw Argon2id hashes per second, same parameters.

A sign-in checks one Argon2id hash (OWASP ASVS 5.0 minimum: t=2, 19 MiB, p=1) and then
writes its session and audit rows; everything but the hash should cost almost nothing.
Both are measured in this process, pinned to one CPU, on an embedded SQLite database,
alternating one hash and one sign-in so that load on a shared machine hits both alike; the
medians of many single operations are compared. Goal: sign-ins per second at least 0.9x
hashes per second.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import interleave, report

ROUNDS = 150
PER_ROUND = 1
PASSWORD = "tulipe verte 1987"


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    os.environ.pop("IMMO_CONNECT_CONFIG", None)
    os.environ.pop("IMMO_CONNECT_DATABASE_URL", None)

    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    from immo_connect.accounts.models import Account
    from immo_connect.accounts.passwords import ASVS_MINIMUM
    from immo_connect.clock import utcnow
    from immo_connect.config import load_settings
    from immo_connect.platform import create_platform
    from immo_connect.storage import transaction

    folder = Path(tempfile.mkdtemp(prefix="bench-login-"))
    (folder / "plugins.toml").write_text("")
    environ = {"IMMO_CONNECT_DATA_DIR": str(folder / "data")}
    settings = load_settings(folder / "plugins.toml", environ=environ,
                             database_url=f"sqlite:///{folder / 'bench.sqlite3'}")
    platform = create_platform(settings, environ=environ, load_entrypoints=False, source="bench")
    accounts = platform.accounts
    with transaction():
        Account.create(username="anne.peeters", email="anne@example.be", first_name="Anne", last_name="Peeters",
                       status="active", created_at=utcnow(), password_hash=accounts.hasher.hash(PASSWORD))
    p = ASVS_MINIMUM

    def raw_hashes_per_second() -> float:
        start = time.perf_counter()
        for _ in range(PER_ROUND):
            Argon2id(salt=os.urandom(p.salt_bytes), length=p.hash_bytes, iterations=p.iterations,
                     lanes=p.lanes, memory_cost=p.memory_kib).derive(PASSWORD.encode())
        return PER_ROUND / (time.perf_counter() - start)

    def sign_ins_per_second() -> float:
        start = time.perf_counter()
        for _ in range(PER_ROUND):
            accounts.sign_in("anne.peeters", PASSWORD)
        return PER_ROUND / (time.perf_counter() - start)

    for _ in range(5):  # warm up: imports, statement caches, the page cache
        sign_ins_per_second()
    baseline, measured = interleave(raw_hashes_per_second, sign_ins_per_second, ROUNDS)
    print(f"Argon2id t={p.iterations} m={p.memory_kib} KiB p={p.lanes}, one core, {ROUNDS} of each, alternated")
    report("sign-in throughput vs raw Argon2id", baseline, measured, unit="/s",
           goal=">= 0.9x", higher_is_better=True)
    platform.database.close()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
