"""CODA globalised movements and their details: money credited once, at the payer's level.

CODA 2.6 Annex II: a total of type 1 (by the customer) or 2 (by the bank) is credited through
its details (5; 6 or 7) that carry the payers' communications; a movement of type 3 (or a
detail of type 7) is credited itself and its details (8; 9) only break it down. Runs on
SQLite and PostgreSQL; the public febelfin-coda sample and a property test close the file.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from immo_connect.bank import read_statement
from immo_connect.bank.models import BankEntry
from immo_connect.bank.service import StatementRefused
from immo_connect.platform import Platform
from immo_connect.wallet.models import WalletTransaction
from tests.support import statements as s
from tests.support.wallet import ledger_problems
from tests.test_bank_import import balance, scene, state

M = s.Move
FEBELFIN = Path(__file__).parent / "data" / "statements" / "febelfin-coda" / "CODA.txt"
FEBELFIN_IBAN = "BE47435000000080"  # account 435-0000000-80 of the sample


# Each case: the movements, then what each wallet must receive (A, B) and the report's outcomes.
CASES = {
    "1/5 communications on the details": (
        [M("GLOB1", 150_00, kind="1", free="COLLECTE CLIENT", details=[
            M("GLOB1D1", 100_00, kind="5", ogm=s.WALLET_A), M("GLOB1D2", 50_00, kind="5", ogm=s.WALLET_B)])],
        (100_00, 50_00), ["credited", "credited"]),
    "1/5 communication on the total only": (
        [M("GLOB2", 150_00, kind="1", ogm=s.WALLET_A, details=[
            M("GLOB2D1", 100_00, kind="5", free="PART 1"), M("GLOB2D2", 50_00, kind="5", free="PART 2")])],
        (150_00, 0), ["credited"]),
    "2/6 bank total of transfers": (
        [M("GLOB3", 300_00, kind="2", free="TOTAL VIREMENTS", details=[
            M("GLOB3D1", 120_00, kind="6", ogm=s.WALLET_A), M("GLOB3D2", 80_00, kind="6", ogm=s.WALLET_B),
            M("GLOB3D3", 100_00, kind="6", free="SANS COMMUNICATION")])],
        (120_00, 80_00), ["credited", "credited", "suspense"]),
    "2/7/9 details with their own breakdown": (
        [M("GLOB4", 200_00, kind="2", free="TOTAL", details=[
            M("GLOB4D1", 120_00, kind="7", ogm=s.WALLET_A, details=[
                M("GLOB4D1A", 100_00, kind="9", ogm=s.WALLET_A), M("GLOB4D1B", 20_00, kind="9", ogm=s.WALLET_A)]),
            M("GLOB4D2", 80_00, kind="7", free="+++000/0012/34526+++", details=[
                M("GLOB4D2A", 80_00, kind="9", free="DETAIL")])])],
        (120_00, 80_00), ["credited", "credited"]),
    "3/8 communication on the movement and its details": (
        [M("GLOB5", 100_00, kind="3", ogm=s.WALLET_A, details=[
            M("GLOB5D1", 60_00, kind="8", ogm=s.WALLET_A), M("GLOB5D2", 40_00, kind="8", ogm=s.WALLET_A)])],
        (100_00, 0), ["credited"]),
    "3/8 communication on the details only": (
        [M("GLOB6", 100_00, kind="3", free="VIREMENT", details=[
            M("GLOB6D1", 60_00, kind="8", ogm=s.WALLET_B), M("GLOB6D2", 40_00, kind="8", free="FRAIS")])],
        (0, 100_00), ["credited"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_globalisation_type_is_credited_once_at_the_payers_level(any_platform: Platform, case: str) -> None:
    moves, (to_a, to_b), outcomes = CASES[case]
    sc = scene(any_platform)
    report = any_platform.bank.import_statement(s.coda(moves).encode(), filename="glob.cod", operator="ops")
    assert [line.outcome for line in report.lines] == outcomes
    assert (balance(sc.a), balance(sc.b)) == (to_a, to_b)
    # Every cent of the movement is reported once, as credited, waiting or ignored.
    assert sum(line.amount_cents or 0 for line in report.lines) == sum(m.cents for m in moves)
    assert ledger_problems() == []
    before = state()
    again = any_platform.bank.import_statement(s.coda(moves).encode(), filename="glob.cod", operator="ops")
    assert {line.outcome for line in again.lines} == {"duplicate"}
    assert state() == before


def test_details_that_do_not_add_up_refuse_the_statement_whole(any_platform: Platform, english: None) -> None:
    sc = scene(any_platform)
    moves = [
        M("OK0001", 75_00, ogm=s.WALLET_A),
        M("GLOB7", 150_00, kind="1", free="LOT", details=[
            M("GLOB7D1", 100_00, kind="5", ogm=s.WALLET_A), M("GLOB7D2", 40_00, kind="5", ogm=s.WALLET_B)]),
    ]
    before = state()
    with pytest.raises(StatementRefused) as caught:
        any_platform.bank.import_statement(s.coda(moves).encode(), filename="lot.cod", operator="ops")
    assert caught.value.code == "statement_refused"
    assert caught.value.problems == [
        "line 6: the details of movement 0002 add up to €140.00, the movement says €150.00.",
        "line 1: the lines to import add up to €215.00, the movements to €225.00."]
    assert "nothing was credited" in caught.value.message
    assert state() == before and balance(sc.a) == 0


def test_concatenated_statements_are_each_reconciled_and_credited_once(any_platform: Platform) -> None:
    sc = scene(any_platform)
    first = [M("DAY1A", 100_00, ogm=s.WALLET_A), M("DAY1B", 60_00, kind="3", ogm=s.WALLET_B, details=[
        M("DAY1B1", 50_00, kind="8", ogm=s.WALLET_B), M("DAY1B2", 10_00, kind="8", ogm=s.WALLET_B)])]
    second = [M("DAY2A", 40_00, kind="1", free="LOT", details=[
        M("DAY2A1", 15_00, kind="5", ogm=s.WALLET_A), M("DAY2A2", 25_00, kind="5", ogm=s.WALLET_B)])]
    text = (s.coda(first, sequence=5) + s.coda(second, sequence=6, old_cents=s.coda_closing(first))
            + s.coda([M("ELSE1", 999_00, ogm=s.WALLET_A)], sequence=77, iban=s.OTHER_IBAN))
    report = any_platform.bank.import_statement(text.encode(), filename="month.cod", operator="ops")
    assert [line.outcome for line in report.lines] == ["credited"] * 4
    assert (balance(sc.a), balance(sc.b)) == (100_00 + 15_00, 60_00 + 25_00)
    assert [(st_.label, st_.account) for st_ in report.statements] == [("005", s.PLATFORM_IBAN),
                                                                       ("006", s.PLATFORM_IBAN)]
    assert len(report.skipped) == 1 and "BE21 0012 3456 7803" in report.skipped[0]
    assert report.gaps == []
    assert ledger_problems() == []
    before = state()
    any_platform.bank.import_statement(text.encode(), filename="month.cod", operator="ops")
    assert state() == before


def test_febelfin_sample_reports_every_movement_once_and_no_breakdown_as_money(
    make_platform: Callable[..., Platform], database_url: str,
) -> None:
    platform = make_platform(database_url, config_text=f'[plugins.bank_transfer]\niban = "{FEBELFIN_IBAN}"\n')
    statement = read_statement(FEBELFIN.read_bytes())
    (summary,) = statement.statements
    assert (summary.account, summary.opening_cents, summary.closing_cents) == ("435000000080", 0, 9405296_99)
    report = platform.bank.import_file(FEBELFIN, operator="ops")
    credits = [line for line in report.lines if line.credit]
    # Money in the report equals the trailer's totals: no detail is counted on top of its movement.
    assert sum(line.amount_cents or 0 for line in credits) == summary.declared_credits == 12491168_59
    assert sum(line.amount_cents or 0 for line in report.lines if not line.credit) == summary.declared_debits
    # Each movement (sequence number) is reported once: itself, or the details of its total.
    records = {number: (line[2:6], line[6:10]) for number, line in
               enumerate(FEBELFIN.read_text(encoding="cp1252").splitlines(), start=1) if line.startswith("21")}
    reported: dict[str, list[str]] = {}
    for line in report.lines:
        sequence, detail = records[int(line.position.split()[-1])]
        reported.setdefault(sequence, []).append(detail)
    assert set(reported) == {sequence for sequence, _detail in records.values()}
    assert all(details == ["0000"] or "0000" not in details for details in reported.values())
    suspense = sorted(int(e.amount_cents) for e in platform.bank.suspense())
    assert len(suspense) == len(credits)  # no wallet has these communications: every credit waits, once
    for movement, breakdown in ((11_21, [11_21]), (1075_00, [1075_00]), (30_86, [23_00, 2_50, 5_36])):
        assert suspense.count(movement) == 1
        assert all(suspense.count(part) == (1 if part == movement else 0) for part in breakdown)
    # The bank totals of card payments (type 2) are offered through their details (type 6).
    assert {600_00, 1080_00, 25_25} <= set(suspense) and 1705_25 not in suspense
    assert BankEntry.select().count() == len(credits)
    assert WalletTransaction.select().count() == 0


_references = itertools.count(1)


def _statement_moves(draw: st.DrawFn) -> list[s.Move]:
    moves: list[s.Move] = []
    wallets = st.sampled_from([s.WALLET_A, s.WALLET_B, s.UNKNOWN, None])
    for _ in range(draw(st.integers(1, 6))):
        run = next(_references)
        kind = draw(st.sampled_from("0123"))
        debit = draw(st.booleans()) and kind == "0"
        parts = draw(st.lists(st.integers(1, 50_000_00), min_size=0 if kind == "0" else 1, max_size=4))
        detail_kind = {"1": "5", "2": draw(st.sampled_from("67")), "3": "8"}.get(kind, "")
        details = [M(f"P{run}D{n}", cents, kind=detail_kind, ogm=draw(wallets), free="DETAIL")
                   for n, cents in enumerate(parts)] if kind != "0" else []
        cents = sum(parts) if details else draw(st.integers(1, 50_000_00))
        moves.append(M(f"P{run}", cents, kind=kind, ogm=draw(wallets), free="TOTAL", debit=debit, details=details))
    return moves


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_money_credited_plus_ignored_equals_the_statements_totals(platform: Platform, data: st.DataObject) -> None:
    if not hasattr(platform, "_scene"):
        scene(platform)
        platform._scene = True  # type: ignore[attr-defined]
    moves = _statement_moves(data.draw)
    sequence = next(_references) % 999 + 1
    text = s.coda(moves, sequence=sequence, old_cents=0)
    (summary,) = read_statement(text.encode()).statements
    before = sum(int(w) for (w,) in platform.database.execute_sql("SELECT COALESCE(SUM(balance), 0) FROM wallet"))
    report = platform.bank.import_statement(text.encode(), filename="random.cod", operator="ops")
    after = sum(int(w) for (w,) in platform.database.execute_sql("SELECT COALESCE(SUM(balance), 0) FROM wallet"))
    credited = report.total("credited")
    waiting = report.total("suspense")
    ignored_credits = sum(line.amount_cents or 0 for line in report.lines
                          if line.outcome in ("ignored", "duplicate") and line.credit)
    assert credited + waiting + ignored_credits == summary.declared_credits
    assert after - before == credited
    assert ledger_problems() == []
