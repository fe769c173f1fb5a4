"""Back office search speed on 100,000 accounts, against a baseline measured in the same run.

1. The first and the last page of a search matching every account ("janssens": 2,000 pages
   of 50) through ``platform.operators.find`` (operator check, count, one page sorted by
   name) against raw ``sqlite3`` selecting one page of the same table by primary key.
2. A search matching one account (an e-mail address prefix; a name prefix) against the
   same baseline: indexed, so it must not grow with the number of accounts.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_operators.py``); ``--quick``
uses 10,000 accounts.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import interleave, report

from immo_connect.accounts.models import Account
from immo_connect.clock import utcnow
from immo_connect.config import load_settings
from immo_connect.platform import Platform, create_platform
from immo_connect.storage import transaction
from tests.support.operators import make_operator

QUICK = "--quick" in sys.argv
ACCOUNTS = 10_000 if QUICK else 100_000
ROUNDS = 5 if QUICK else 15


def platform_at(folder: Path) -> Platform:
    environ = {"IMMO_CONNECT_DATA_DIR": str(folder)}
    settings = load_settings(None, environ=environ, database_url=f"sqlite:///{folder / 'bench.sqlite3'}")
    return create_platform(settings, environ=environ, load_entrypoints=False, source="bench")


def fill(count: int) -> None:
    now = utcnow()
    with transaction():
        for start in range(0, count, 1000):
            Account.insert_many([
                {"username": f"janssens{n:06d}", "email": f"janssens{n:06d}@example.be", "first_name": f"Jan{n:06d}",
                 "last_name": "Janssens", "status": "active", "created_at": now}
                for n in range(start, min(count, start + 1000))]).execute()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        platform = platform_at(Path(folder))
        fill(ACCOUNTS)
        helper = make_operator("bench.help", "helpdesk")
        raw = sqlite3.connect(Path(folder) / "bench.sqlite3")

        def baseline() -> float:
            start = time.perf_counter()
            raw.execute("SELECT * FROM account WHERE id > ? ORDER BY id LIMIT 50", (ACCOUNTS // 2,)).fetchall()
            return time.perf_counter() - start

        def page(query: str, number: int) -> float:
            start = time.perf_counter()
            platform.operators.find(helper.id, query, page=number)
            return time.perf_counter() - start

        pages = ACCOUNTS // 50
        for label, query, number in [("first page of all", "janssens", 1), ("last page of all", "janssens", pages),
                                     ("one by e-mail", f"janssens{ACCOUNTS // 3:06d}@", 1),
                                     ("one by name", f"jan{ACCOUNTS // 3:06d}", 1)]:
            base, measured = interleave(baseline, lambda q=query, n=number: page(q, n), ROUNDS)  # type: ignore[misc]
            report(f"operators find, {label} ({ACCOUNTS} accounts)", base, measured)


if __name__ == "__main__":
    main()
