"""Bank statement imports, each against a baseline measured in the same run.

1. Parsing: the CODA parser on a statement of 20,000 movements, against a bare loop that
   slices the same lines for sign, amount and structured communication (what any reader must
   do at least). The parser also reads dates, references, counterparties and free text,
   validates every field and builds one object per entry. Goal: at most 20x.
2. Importing: ``platform.bank.import_statement`` on a statement of 300 matched credits,
   against doing the same work by hand on the same database: per line one
   ``platform.wallet.credit``, then one transaction with its audit event and the manager's
   mail (``enqueue``). The ratio is what the import adds (reading the file, finding the
   wallet, duplicate detection, the entry rows). Goal: at most 1.5x on SQLite.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from _common import interleave, report, timed  # noqa: E402

from immo_connect import audit  # noqa: E402
from immo_connect.bank import coda  # noqa: E402
from immo_connect.config import load_settings  # noqa: E402
from immo_connect.formats import ogm  # noqa: E402
from immo_connect.payments._notify import notify_managers  # noqa: E402
from immo_connect.platform import create_platform  # noqa: E402
from immo_connect.storage import transaction  # noqa: E402
from tests.support import statements  # noqa: E402
from tests.support.factories import make_account, make_organisation  # noqa: E402

PARSE_MOVES = 20_000
IMPORT_MOVES = 300


def bare_slicing(text: str) -> int:
    total = 0
    for line in text.splitlines():
        if line.startswith("21") and line[31] == "0" and line[32:47].isdigit():
            total += int(line[32:47]) // 10
            if line[61] == "1":
                line[65:77].isdigit()
    return total


def bench_parse() -> None:
    moves = [statements.Move(f"P{n:08d}", 1000 + n, ogm=statements.WALLET_A) for n in range(PARSE_MOVES)]
    # CODA numbers movements with 4 digits: several logical files follow each other.
    text = "".join(statements.coda(moves[i:i + 5000], sequence=1 + i // 5000) for i in range(0, PARSE_MOVES, 5000))
    expected = sum(m.cents for m in moves)
    assert bare_slicing(text) == expected
    assert sum(e.amount_cents or 0 for e in coda.parse(text).entries) == expected

    base, measured = interleave(lambda: timed(lambda: bare_slicing(text)),
                                lambda: timed(lambda: coda.parse(text)), rounds=5)
    report(f"CODA parsing, {PARSE_MOVES} movements", base, measured, goal="<= 20x")


def bench_import() -> None:
    folder = Path(tempfile.mkdtemp(prefix="immo-bench-bank-"))
    (folder / "plugins.toml").write_text("")
    environ = {"IMMO_CONNECT_DATA_DIR": str(folder / "data")}
    settings = load_settings(folder / "plugins.toml", environ=environ,
                             database_url=f"sqlite:///{folder / 'bench.sqlite3'}")
    platform = create_platform(settings, environ=environ, load_entrypoints=False)
    organisation = make_organisation(make_account("bench"), name="Agence Bench")
    communication = ogm.compact(platform.wallet.structured_communication(organisation.id))
    rounds = iter(range(10**6))
    opening = [0]

    def through_import() -> float:
        n = next(rounds)
        moves = [statements.Move(f"R{n:03d}M{i:05d}", 5000 + i, ogm=communication) for i in range(IMPORT_MOVES)]
        # Each round is the account's next statement: its number and opening balance follow.
        data = statements.coda(moves, sequence=n + 1, old_cents=opening[0]).encode()
        opening[0] = statements.coda_closing(moves, opening[0])

        def run() -> None:
            result = platform.bank.import_statement(data, filename="bench.cod", operator="bench")
            assert result.count("credited") == IMPORT_MOVES

        return timed(run)

    def by_hand() -> float:
        n = next(rounds)

        def run() -> None:
            for i in range(IMPORT_MOVES):
                row = platform.wallet.credit(organisation.id, 5000 + i, kind="bank_transfer",
                                             description="Bank transfer from BENCH (ref. x)",
                                             idempotency_key=f"bench:{n}:{i}", reference=f"R{n}M{i}")
                with transaction():
                    audit.record("bank.credited", actor="bench", organisation_id=organisation.id,
                                 target=f"bench:{n}:{i}", detail={"amount_cents": 5000 + i})
                    notify_managers(platform, organisation.id, row, channel="bank_transfer", reference=f"R{n}M{i}")

        return timed(run)

    base, measured = interleave(by_hand, through_import, rounds=3)
    report(f"statement import, {IMPORT_MOVES} credits", base, measured, goal="<= 1.5x")
    platform.database.close()


def main() -> None:
    bench_parse()
    bench_import()


if __name__ == "__main__":
    main()
