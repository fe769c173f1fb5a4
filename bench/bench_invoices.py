"""Invoicing a month, against summing the same month's charges with one SQL query.

1,000 organisations with 1,000 tool charges each in October 2026 (1,000,000 ledger rows,
written straight into the tables as a coherent chain per wallet; a few fixed prices per tool,
as tools charge). Measured: ``platform.invoices.run("2026-10")`` on a fresh copy of that
database each round: one grouped read of the month, then per organisation the amounts
(EN 16931 rounding), the locked yearly counter, the invoice row and its audit event in one
transaction. No delivery plugin is enabled, so no PDF is rendered (PDF and XML are made when
delivered or downloaded). Baseline: ``SELECT SUM(amount)`` of the month's charges, one query
on the same database. Goal: invoicing costs at most 20 times the sum.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_invoices.py``); ``--quick`` uses
200 organisations.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import interleave, report

from immo_connect.config import load_settings
from immo_connect.invoices.models import Invoice
from immo_connect.platform import Platform, create_platform
from tests.support.factories import make_account, make_organisation
from tests.support.invoices import SELLER

QUICK = "--quick" in sys.argv
ORGANISATIONS = 200 if QUICK else 1_000
CHARGES = 1_000
ROUNDS = 1 if QUICK else 3
PRICES = (("cadastrefinder", 150), ("cadastrefinder", 199), ("antiblanchiment", 1_600), ("myrentpro", 250),
          ("btv", 75), ("romi", 420))
MODES = ("agent", "notary", None)  # None: a charge of before the ledger recorded the mode
START, END = dt.datetime(2026, 9, 30, 22), dt.datetime(2026, 10, 31, 23)  # October in Brussels, in UTC


def platform_at(folder: Path) -> Platform:
    environ = {"IMMO_CONNECT_DATA_DIR": str(folder)}
    (folder / "plugins.toml").write_text(SELLER)
    settings = load_settings(folder / "plugins.toml", environ=environ,
                             database_url=f"sqlite:///{folder / 'bench.sqlite3'}")
    return create_platform(settings, environ=environ, load_entrypoints=False, source="bench")


def build(folder: Path) -> None:
    platform = platform_at(folder)
    manager = make_account()
    wallets = []
    for index in range(ORGANISATIONS):
        organisation = make_organisation(manager, name=f"Agence {index}")
        wallets.append(int(platform.wallet.ensure_wallet(int(organisation.id)).id))
    platform.database.close()
    connection = sqlite3.connect(folder / "bench.sqlite3", isolation_level=None)
    connection.execute("PRAGMA synchronous = off")
    columns = ("wallet_id, number, kind, tool, type_key, description, amount, status, failure_reason, "
               "balance_before, balance_after, actor_name, reference, request_hash, created_at, completed_at, "
               "debit_account, credit_account, usage_mode")
    step = (END - START) / (CHARGES + 2)

    def rows_of(wallet_id: int) -> object:
        balance = 10_000_000
        at = START.isoformat(" ")
        yield (wallet_id, 1, "online_topup", "", "online_topup", "Top-up", balance, "succeeded", "", 0, balance,
               "bench", "tr", "", at, at, "platform:online_topups", f"wallet:{wallet_id}", None)
        for number in range(2, CHARGES + 2):
            tool, price = PRICES[(number * 7 + wallet_id) % len(PRICES)]
            at = (START + step * number).isoformat(" ")
            balance -= price
            mode = MODES[(number // 7) % len(MODES)]  # invoice lines are per tool and usage mode
            yield (wallet_id, number, "tool_usage", tool, f"tool:{tool}", "Search", -price, "succeeded", "",
                   balance + price, balance, "bench", "", "", at, at, f"wallet:{wallet_id}", f"platform:tool:{tool}",
                   mode)

    connection.execute("BEGIN")
    for wallet_id in wallets:
        connection.executemany(f"INSERT INTO wallet_transaction ({columns}) VALUES ({', '.join(['?'] * 19)})",
                               rows_of(wallet_id))  # type: ignore[arg-type]
        connection.execute("UPDATE wallet SET balance = 10000000 - (SELECT -SUM(amount) FROM wallet_transaction "
                           "WHERE wallet_id = ? AND kind = 'tool_usage'), last_number = ? WHERE id = ?",
                           (wallet_id, CHARGES + 1, wallet_id))
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-invoices-") as tmp:
        pristine = Path(tmp) / "pristine"
        pristine.mkdir()
        started = time.perf_counter()
        build(pristine)
        print(f"{ORGANISATIONS} organisations x {CHARGES} charges written in {time.perf_counter() - started:.1f} s")
        totals: list[int] = []

        def baseline() -> float:
            connection = sqlite3.connect(pristine / "bench.sqlite3")
            start = time.perf_counter()
            (total,) = connection.execute(
                "SELECT SUM(amount) FROM wallet_transaction WHERE kind = 'tool_usage' AND status = 'succeeded' "
                "AND created_at >= ? AND created_at < ?", (START.isoformat(" "), END.isoformat(" "))).fetchone()
            elapsed = time.perf_counter() - start
            connection.close()
            totals.append(-int(total))
            return elapsed

        def measured() -> float:
            work = Path(tmp) / "work"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(pristine, work)
            platform = platform_at(work)
            platform.plugins.tools()
            start = time.perf_counter()
            report_ = platform.invoices.run("2026-10")
            elapsed = time.perf_counter() - start
            assert len(report_.issued) == ORGANISATIONS, report_
            invoiced = sum(int(i.total_cents) for i in Invoice.select())
            assert invoiced == totals[-1], (invoiced, totals[-1])  # the invoices add up to the ledger
            platform.database.close()
            return elapsed

        base, meas = interleave(baseline, measured, ROUNDS)
        report(f"invoicing a month of {ORGANISATIONS} organisations x {CHARGES} charges vs one SUM query",
               base, meas, goal="at most 20x")


if __name__ == "__main__":
    main()
