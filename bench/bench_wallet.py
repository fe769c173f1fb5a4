"""Wallet speed, each against a baseline measured in the same run.

1. Debits per second through ``platform.wallet.charge`` (authorization, idempotency check,
   conditional debit, the transaction row that is also its posting and audit record, the
   plugins' hook, one commit each) against raw ``sqlite3`` doing the same conditional UPDATE
   and INSERT of the same row into the same tables, one commit each. Goal: at least 0.5.
2. CSV export of a 1,000,000-transaction wallet through the wallet API (formatted for Excel)
   against ``sqlite3 -csv`` selecting the same rows of the same table; and the peak memory of
   the export process for 100,000 and 1,000,000 rows (it must not grow with the row count).
   Goal: at least 0.5.
3. A filtered page (status, type, date range, number) of that wallet against an unfiltered
   page.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_wallet.py``); ``--quick`` uses
smaller numbers. ``--instructions`` also counts the CPU instructions of the export and of
``sqlite3 -csv`` with valgrind (slow, but other processes on a shared machine do not change
the count).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import interleave, report

from immo_connect.config import load_settings
from immo_connect.platform import Platform, create_platform
from immo_connect.wallet._views import TransactionFilter
from tests.support.factories import make_account, make_organisation

QUICK = "--quick" in sys.argv
DEBITS = 300 if QUICK else 500
ROUNDS = 3 if QUICK else 9
BIG = 100_000 if QUICK else 1_000_000
SMALL = BIG // 10


def platform_at(folder: Path) -> Platform:
    environ = {"IMMO_CONNECT_DATA_DIR": str(folder)}
    settings = load_settings(None, environ=environ, database_url=f"sqlite:///{folder / 'bench.sqlite3'}")
    return create_platform(settings, environ=environ, load_entrypoints=False, source="bench")


# -- 1. debits ----------------------------------------------------------------------------------


def bench_debits(base: Path) -> None:
    api_platform = platform_at(base / "api")
    member = make_account("benchuser")
    organisation = make_organisation(member, name="Bench")
    api_platform.wallet.credit(organisation.id, 10**10, kind="correction", description="Bench funds",
                               idempotency_key="bench:funds")
    wallet_id = int(api_platform.wallet.ensure_wallet(organisation.id).id)
    api_platform.database.close()
    raw_path = base / "raw.sqlite3"
    shutil.copy(base / "api" / "bench.sqlite3", raw_path)
    raw = sqlite3.connect(raw_path, isolation_level=None)
    for pragma in ("journal_mode = wal", "synchronous = normal", "foreign_keys = 1", "busy_timeout = 15000",
                   "cache_size = -16000"):
        raw.execute(f"PRAGMA {pragma}")
    columns = ("wallet_id, number, kind, tool, type_key, description, amount, status, failure_reason, "
               "balance_before, balance_after, actor_id, actor_name, reference, idempotency_key, request_hash, "
               "created_at, completed_at, debit_account, credit_account, action, source")
    insert = f"INSERT INTO wallet_transaction ({columns}) VALUES ({', '.join(['?'] * 22)})"
    digest = "0" * 64  # the API stores a SHA-256 fingerprint of the request
    debit = ("UPDATE wallet SET balance = balance - ?, last_number = last_number + 1 "
             "WHERE id = ? AND balance >= ? RETURNING balance, last_number")
    counter = iter(range(10**9))

    cpu: dict[str, list[float]] = {"raw": [], "api": []}

    def raw_round() -> float:
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(DEBITS):
            n = next(counter)
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" ")
            raw.execute("BEGIN IMMEDIATE")
            balance, number = raw.execute(debit, (1, wallet_id, 1)).fetchone()
            raw.execute(insert, (wallet_id, number, "tool_usage", "btv", "tool:btv", "Bench use", -1,
                                 "succeeded", "", balance + 1, balance, member.id, "benchuser", "",
                                 f"raw:{n}", digest, now, now, f"wallet:{wallet_id}", "platform:tool:btv",
                                 "wallet.charge", "bench"))
            raw.execute("COMMIT")
        cpu["raw"].append(DEBITS / (time.process_time() - start_cpu))
        return DEBITS / (time.perf_counter() - start)

    api_platform.database.connect(reuse_if_open=True)

    def api_round() -> float:
        charge = api_platform.wallet.charge
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(DEBITS):
            n = next(counter)
            charge(member.id, organisation.id, 1, tool="btv", description="Bench use", idempotency_key=f"api:{n}")
        cpu["api"].append(DEBITS / (time.process_time() - start_cpu))
        return DEBITS / (time.perf_counter() - start)

    api_round()  # warm-up: imports, statement caches
    raw_round()
    cpu["raw"].clear()
    cpu["api"].clear()
    baseline, measured = interleave(raw_round, api_round, ROUNDS)
    report("wallet debits/s, wall clock (API vs raw sqlite3 conditional update + insert)", baseline, measured,
           unit="debits/s", goal=">= 0.5", higher_is_better=True)
    # On a shared machine the wall clock also counts other processes; CPU time does not.
    report("wallet debits/s, CPU time (API vs raw sqlite3 conditional update + insert)", cpu["raw"], cpu["api"],
           unit="debits/s", goal=">= 0.5", higher_is_better=True)
    problems = api_platform.wallet.verify()
    assert not problems, problems
    raw.close()
    api_platform.database.close()


# -- 2 and 3. a wallet with a million transactions ----------------------------------------------


def fill(platform: Platform, organisation_id: int, rows: int, seed: int) -> None:
    """``rows`` transactions straight into the tables (a coherent chain, ~30 s apart)."""
    wallet = platform.wallet.ensure_wallet(organisation_id)
    db_path = platform.settings.database_url[len("sqlite:///"):]
    platform.database.close()
    rng = random.Random(seed)
    connection = sqlite3.connect(db_path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = wal")
    connection.execute("PRAGMA synchronous = off")
    columns = ("wallet_id, number, kind, tool, type_key, description, amount, status, failure_reason, "
               "balance_before, balance_after, actor_name, reference, request_hash, created_at, completed_at")
    moment = dt.datetime(2024, 1, 1)
    balance = 0
    tools = ("btv", "cadastrefinder", "romi")

    def rows_of() -> object:
        nonlocal moment, balance
        for number in range(1, rows + 1):
            moment += dt.timedelta(seconds=30)
            at = moment.isoformat(" ")
            if number % 50 == 1:
                amount, kind, tool, status = 50_000, "online_topup", "", "succeeded"
                balance += amount
                yield (wallet.id, number, kind, tool, kind, "Top-up", amount, status, "", balance - amount, balance,
                       "bench", "tr_x", "", at, at)
                continue
            tool = tools[rng.randrange(3)]
            amount = rng.randint(50, 2_500)
            if amount > balance or rng.random() < 0.03:
                yield (wallet.id, number, "tool_usage", tool, f"tool:{tool}", "Search", -amount, "failed",
                       "insufficient_funds", balance, balance, "bench", "", "", at, at)
            else:
                balance -= amount
                yield (wallet.id, number, "tool_usage", tool, f"tool:{tool}", "Search", -amount, "succeeded", "",
                       balance + amount, balance, "bench", "", "", at, at)

    connection.execute("BEGIN")
    connection.executemany(f"INSERT INTO wallet_transaction ({columns}) VALUES ({', '.join(['?'] * 16)})",
                           rows_of())  # type: ignore[arg-type]
    connection.execute("UPDATE wallet SET balance = ?, last_number = ? WHERE id = ?", (balance, rows, wallet.id))
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()


EXPORT_CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
from bench_wallet import platform_at
from pathlib import Path
platform = platform_at(Path({folder!r}))
# What a running app has loaded already: plugins, services, the translations.
platform.plugins.tools(), platform.organisations, platform.wallet.type_choices()
if {export}:
    start, start_cpu = time.perf_counter(), time.process_time()
    path = platform.wallet.export_csv({actor}, {organisation})
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(elapsed, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, path.stat().st_size)
"""


def export_code(folder: Path, actor: int, organisation: int, *, export: bool = True) -> str:
    return EXPORT_CHILD.format(root=str(Path(__file__).resolve().parent), folder=str(folder), actor=actor,
                               organisation=organisation, export=export)


def export_in_child(folder: Path, actor: int, organisation: int) -> tuple[float, float, int, int]:
    output = subprocess.run([sys.executable, "-c", export_code(folder, actor, organisation)], check=True,
                            capture_output=True, text=True).stdout
    elapsed, cpu, rss, size = output.split()
    return float(elapsed), float(cpu), int(rss), int(size)


def instructions(args: list[str]) -> int:
    """CPU instructions of one process run under valgrind (callgrind)."""
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *args],
                         check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(run.stderr.rsplit("Collected : ", 1)[1].split()[0])


def bench_export_instructions(folder: Path, actor: int, organisation: int, select: str) -> None:
    if not shutil.which("valgrind"):
        print("wallet CSV export, instructions: skipped (install valgrind)")
        return
    db_path = str(folder / "bench.sqlite3")
    cli = instructions(["sqlite3", "-csv", "-cmd", f".output {os.devnull}", db_path, select])
    # The export's share: the child process with the export less the same child without it.
    setup = instructions([sys.executable, "-c", export_code(folder, actor, organisation, export=False)])
    export = instructions([sys.executable, "-c", export_code(folder, actor, organisation)]) - setup
    print(f"wallet CSV export of {BIG:,} transactions, CPU instructions: sqlite3 -csv {cli / BIG:,.0f} per row, "
          f"export {export / BIG:,.0f} per row, ratio {cli / export:.2f}x (goal >= 0.5)")


def bench_big_wallet(base: Path) -> None:
    folder = base / "big"
    platform = platform_at(folder)
    member = make_account("bigwallet")
    small_org = make_organisation(member, name="Small").id
    big_org = make_organisation(member, name="Big").id
    started = time.perf_counter()
    fill(platform, small_org, SMALL, 1)
    fill(platform, big_org, BIG, 2)
    print(f"(filled {SMALL:,} + {BIG:,} transactions in {time.perf_counter() - started:.0f} s)")
    db_path = folder / "bench.sqlite3"
    big_wallet = int(platform.wallet.ensure_wallet(big_org).id)
    platform.database.close()

    sqlite_cli = shutil.which("sqlite3")
    select = ("SELECT number, created_at, kind, tool, description, amount, status, balance_before, balance_after, "
              f"failure_reason, reference FROM wallet_transaction WHERE wallet_id = {big_wallet} "
              "ORDER BY created_at, id")
    out_file = base / "cli.csv"

    cli_cpu: list[float] = []

    def cli_round() -> float:
        assert sqlite_cli, "install the Debian package sqlite3 (make bench does)"
        start, before = time.perf_counter(), os.times()
        with out_file.open("wb") as out:
            subprocess.run([sqlite_cli, "-csv", str(db_path), select], check=True, stdout=out)
        after = os.times()
        cli_cpu.append(after.children_user - before.children_user + after.children_system - before.children_system)
        return time.perf_counter() - start

    exports: list[tuple[float, float, int, int]] = []

    def export_round() -> float:
        result = export_in_child(folder, member.id, big_org)
        exports.append(result)
        return result[0]

    baseline, measured = interleave(cli_round, export_round, 2 if QUICK else 5)
    # Each round runs both back to back: the ratio within a round cancels the machine's
    # slower and faster periods, and the median of the rounds' ratios skips a disturbed one.
    ratios = sorted(b / m for b, m in zip(baseline, measured, strict=True))
    print(f"wallet CSV export of {BIG:,} transactions: sqlite3 -csv {statistics.median(baseline):.2f} s, "
          f"export {statistics.median(measured):.2f} s, ratio {statistics.median(ratios):.2f}x "
          f"(rounds {ratios[0]:.2f}-{ratios[-1]:.2f}) (speed vs sqlite3, higher is better) (goal >= 0.5)")
    cpu_ratios = sorted(b / e[1] for b, e in zip(cli_cpu, exports, strict=True))
    print(f"wallet CSV export of {BIG:,} transactions, CPU time: sqlite3 -csv {statistics.median(cli_cpu):.2f} s, "
          f"export {statistics.median(e[1] for e in exports):.2f} s, ratio {statistics.median(cpu_ratios):.2f}x "
          f"(rounds {cpu_ratios[0]:.2f}-{cpu_ratios[-1]:.2f}) (goal >= 0.5)")
    if "--instructions" in sys.argv:
        bench_export_instructions(folder, member.id, big_org, select)
    _elapsed, _cpu, small_rss, _size = export_in_child(folder, member.id, small_org)
    big_rss = max(e[2] for e in exports)
    print(f"wallet CSV export peak memory: {SMALL:,} rows {small_rss / 1024:.1f} MiB, {BIG:,} rows "
          f"{big_rss / 1024:.1f} MiB, ratio {big_rss / small_rss:.2f}x (goal about 1: independent of the row count)")

    platform = platform_at(folder)
    wallet = platform.wallet
    middle = dt.date(2024, 1, 1) + dt.timedelta(days=int(BIG * 30 / 86_400 / 2))
    filters = {
        "status=failed": TransactionFilter(status="failed"),
        "type=tool:romi": TransactionFilter(type="tool:romi"),
        "type=online_topup": TransactionFilter(type="online_topup"),
        "one day mid-history": TransactionFilter(date_from=middle, date_to=middle),
        "failed + tool + 30 days": TransactionFilter(status="failed", type="tool:btv", date_from=middle,
                                                     date_to=middle + dt.timedelta(days=30)),
        "number": TransactionFilter(number=BIG // 3),
    }

    def page_time(page_filter: TransactionFilter) -> float:
        start = time.perf_counter()
        page = wallet.transactions(member.id, big_org, page_filter, limit=50)
        if page.next_cursor:  # and the next page, through the cursor
            wallet.transactions(member.id, big_org, page_filter, after=page.next_cursor, limit=50)
        return time.perf_counter() - start

    for name, page_filter in filters.items():
        baseline, measured = interleave(lambda: page_time(TransactionFilter()), lambda f=page_filter: page_time(f),
                                        5)
        report(f"wallet page of {BIG:,} filtered by {name} vs unfiltered", baseline, measured, unit="s",
               goal="about 1")
    platform.database.close()


def main() -> None:
    os.environ.setdefault("IMMO_CONNECT_DATA_DIR", tempfile.mkdtemp())
    base = Path(tempfile.mkdtemp(prefix="bench-wallet-"))
    try:
        if "--export-only" not in sys.argv:
            bench_debits(base)
        if "--debits-only" not in sys.argv:
            bench_big_wallet(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
