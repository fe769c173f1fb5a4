"""The employee list: the first page for an organisation of 10,000 employees against one of 50.

Both organisations live in the same SQLite database, filled in the same run; each round asks
``platform.organisations.list_employees`` (authorization, the page query, the rows) for the
first page of 50 of each, interleaved. The page comes from the (organisation, name) index,
so its cost must not grow with the organisation. Goal: at most 1.5x.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_employees.py``).
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import interleave, report, timed

from immo_connect.accounts.models import Account
from immo_connect.clock import utcnow
from immo_connect.config import load_settings
from immo_connect.organisations.data import sort_name
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.platform import create_platform
from immo_connect.storage import transaction

LARGE, SMALL, ROUNDS = 10_000, 50, 300
FIRST = ["Anne", "Marc", "Sophie", "Lucas", "Emma", "Louis", "Léa", "Noah", "Zoé", "Arthur"]
LAST = ["Peeters", "Janssens", "Maes", "Dubois", "Lambert", "Dupont", "Claes", "Goossens", "Wouters", "Mertens"]


def fill(prefix: str, count: int, enterprise_number: str) -> tuple[int, int]:
    """An organisation with ``count`` employees (one manager); returns (organisation, manager)."""
    now = utcnow()
    rng = random.Random(count)
    with transaction():
        organisation = Organisation.create(enterprise_number=enterprise_number, name=f"Agence {prefix}",
                                           created_at=now)
        rows = []
        for i in range(count):
            first, last = rng.choice(FIRST), f"{rng.choice(LAST)}{i:05d}"
            rows.append({"username": f"{prefix}{i:05d}", "email": f"{prefix}{i:05d}@example.be",
                         "first_name": first, "last_name": last, "status": "active", "created_at": now})
        for start in range(0, len(rows), 500):
            Account.insert_many(rows[start:start + 500]).execute()
        accounts = list(Account.select().where(Account.username.startswith(prefix)).order_by(Account.id))
        members = [
            {"organisation": organisation.id, "account": a.id, "created_at": now,
             "status": "active" if i % 10 else ("pending" if i % 20 else "blocked"), "is_manager": i == 0,
             "sort_name": sort_name(a.first_name, a.last_name, a.username), "function": "Agent"}
            for i, a in enumerate(accounts)
        ]
        members[0]["status"] = "active"
        for start in range(0, len(members), 500):
            Membership.insert_many(members[start:start + 500]).execute()
    return organisation.id, accounts[0].id


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(None, environ={"IMMO_CONNECT_DATA_DIR": folder},
                                 database_url=f"sqlite:///{folder}/bench.sqlite3")
        platform = create_platform(settings, load_entrypoints=False, environ={"IMMO_CONNECT_DATA_DIR": folder})
        large = fill("large", LARGE, "0403019261")
        small = fill("small", SMALL, "0428759497")
        platform.database.execute_sql("ANALYZE")
        service = platform.organisations

        def page(target: tuple[int, int], **kwargs: object) -> float:
            return timed(lambda: service.list_employees(target[1], target[0], limit=50, **kwargs))

        for _ in range(20):  # warm caches for both
            page(large), page(small)
        base, measured = interleave(lambda: page(small), lambda: page(large), ROUNDS)
        report(f"employee list, first page: {LARGE} employees vs {SMALL}", base, measured,
                       goal="<= 1.5x")
        base_f, measured_f = interleave(lambda: page(small, status="active"),
                                        lambda: page(large, status="active"), ROUNDS)
        report(f"employee list, first page of active employees: {LARGE} vs {SMALL}", base_f, measured_f,
               goal="<= 1.5x")
        platform.database.close()
    return 0  # the ratio is reported, never asserted


if __name__ == "__main__":
    sys.exit(main())
