"""Every statement is reconciled before anything is credited; gaps stay visible; other accounts are skipped.

Runs on SQLite and PostgreSQL: a statement that does not add up is refused whole (nothing
credited, nothing recorded but the audit event), a missing statement is reported until it is
imported, and a statement of another account than the platform's receiving one is refused
with its IBAN named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from immo_connect.audit import AuditEvent
from immo_connect.bank import read_statement
from immo_connect.bank.models import BankEntry, StatementImport
from immo_connect.bank.service import BankService, StatementRefused
from immo_connect.cli import main
from immo_connect.errors import ValidationError
from immo_connect.platform import Platform
from tests.support import statements as s
from tests.support.factories import make_account
from tests.support.operators import make_operator
from tests.test_bank_import import balance, scene, state

M = s.Move
E = s.Entry
DAY = dt.date(2026, 3, 3)


def _refused(platform: Platform, text: str) -> list[str]:
    before = state()
    with pytest.raises(StatementRefused) as caught:
        platform.bank.import_statement(text.encode(), filename="bad", operator="ops")
    assert caught.value.code == "statement_refused"
    assert state() == before  # nothing credited, no entry, no import, no mail
    return caught.value.problems


def test_statements_that_do_not_add_up_are_refused_whole(any_platform: Platform, english: None) -> None:
    sc = scene(any_platform)
    good = [M("R0001", 100_00, ogm=s.WALLET_A), M("R0002", 50_00, ogm=s.WALLET_B)]
    # The new balance does not follow from the old one and the movements.
    assert _refused(any_platform, s.coda(good, new_cents=500_000_00 + 100_00)) == [
        "line 1: the old balance €500,000.00 and the movements (€150.00) give €500,150.00, "
        "but the new balance is €500,100.00."]
    # The trailer's credit total differs from the movements.
    assert _refused(any_platform, s.coda(good, credit_total=250_00)) == [
        "line 1: the statement declares €250.00 of credits, its movements add up to €150.00."]
    # A damaged amount and a line that is not CODA.
    assert len(_refused(any_platform, s.damaged_coda())) >= 2
    # In a file of two statements, the good one is not imported either.
    both = s.coda(good, sequence=5) + s.coda(good, sequence=6, old_cents=1, new_cents=2)
    assert len(_refused(any_platform, both)) == 1
    # camt.053: closing balance, transaction summary, a batch whose transactions differ, no balances.
    entries = [E("C0001", "100.00", ogm=s.WALLET_A)]
    assert len(_refused(any_platform, s.camt(entries, closing_cents=1))) == 1
    assert _refused(any_platform, s.camt(entries, credit_sum=99_00)) == [
        "statement 2026-005: the statement declares €99.00 of credits, its movements add up to €100.00."]
    batch = [E("C0002", "150.00", details=[E("C0002-1", "100.00", ogm=s.WALLET_A),
                                           E("C0002-2", "40.00", ogm=s.WALLET_B)])]
    assert len(_refused(any_platform, s.camt(batch))) == 2  # the batch, and the lines against the movements
    assert _refused(any_platform, s.camt(entries, opening_cents=None)) == [
        "statement 2026-005: the booked balance OPBD is missing.",
        "statement 2026-005: the booked balance CLBD is missing."]
    assert AuditEvent.select().where(AuditEvent.action == "bank.refused").count() == 8
    assert balance(sc.a) == balance(sc.b) == 0
    # The same statements, correct, are imported.
    report = any_platform.bank.import_statement(s.coda(good).encode(), filename="good.cod", operator="ops")
    assert report.count("credited") == 2 and balance(sc.a) == 100_00


def test_a_statement_number_imported_with_other_balances_is_refused(any_platform: Platform, english: None) -> None:
    scene(any_platform)
    any_platform.bank.import_statement(s.coda([M("N0001", 10_00, ogm=s.WALLET_A)]).encode(), filename="a",
                                       operator="ops")
    problems = _refused(any_platform, s.coda([M("N0002", 20_00, ogm=s.WALLET_A)]))
    assert problems == ["line 1: statement 005 of BE71 0961 2345 6769 was imported before with the balances "
                        "€500,000.00 → €500,010.00; this one says €500,000.00 → "
                        "€500,020.00."]


def test_a_statement_recorded_by_a_concurrent_import_leaves_this_imports_entries_whole(
    any_platform: Platform, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two servers import one file: the other one records the statement between this import's
    read and its own write. The entries of this import still belong to an import that exists."""
    sc = scene(any_platform)
    text = s.coda([M("K0001", 10_00, ogm=s.WALLET_A)]).encode()
    bank = any_platform.bank
    other = bank._import_row("other", "coda", "0" * 64, [], "ops")
    bank._record_statement(read_statement(text).statements[0], lambda: other)
    # This import read the known statements before the other one committed.
    monkeypatch.setattr(BankService, "_known_statements", staticmethod(lambda summaries: {}))
    report = bank.import_statement(text, filename="a", operator="ops")
    assert [line.outcome for line in report.lines] == ["credited"]
    assert balance(sc.a) == 10_00
    entry = BankEntry.get(BankEntry.reference == "K0001")
    assert StatementImport.get_or_none(StatementImport.id == entry.statement_import_id) is not None


def test_a_gap_in_the_statements_is_reported_until_the_missing_one_is_imported(
    any_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    sc = scene(any_platform)
    day5 = [M("G0005", 100_00, ogm=s.WALLET_A)]
    day6 = [M("G0006", 30_00, ogm=s.WALLET_B)]
    day7 = [M("G0007", 5_00, ogm=s.WALLET_A)]
    after5 = s.coda_closing(day5)
    after6 = s.coda_closing(day6, after5)
    first = any_platform.bank.import_statement(s.coda(day5, sequence=5).encode(), filename="5", operator="ops")
    assert first.gaps == []
    third = any_platform.bank.import_statement(
        s.coda(day7, sequence=7, old_cents=after6, day=DAY + dt.timedelta(days=2)).encode(), filename="7",
        operator="ops")
    assert third.count("credited") == 1  # it adds up on its own: credited, and the gap is reported
    assert len(third.gaps) == 1 and "30,00 €" in third.gaps[0] and "005" in third.gaps[0]

    config = tmp_path / "plugins.toml"
    config.write_text("")
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    base = ["--config", str(config), "--database-url", any_platform.settings.database_url]
    make_operator("ops.finance", "finance")
    with pytest.raises(SystemExit):  # an identified finance operator asks
        main([*base, "bank", "status"])
    capsys.readouterr()
    make_account("not.finance")
    assert main([*base, "bank", "status", "--as", "not.finance"]) == 2  # no role: refused
    assert "opérateur" in capsys.readouterr().err
    assert main([*base, "bank", "status", "--as", "ops.finance"]) == 0
    out = capsys.readouterr().out
    assert "BE71 0961 2345 6769  007" in out
    assert "Extrait manquant : BE71 0961 2345 6769 : entre l'extrait 005" in out

    second = any_platform.bank.import_statement(
        s.coda(day6, sequence=6, old_cents=after5, day=DAY + dt.timedelta(days=1)).encode(), filename="6",
        operator="ops")
    assert second.gaps == []
    assert main([*base, "bank", "status", "--as", "ops.finance"]) == 0
    assert "Aucun extrait ne manque." in capsys.readouterr().out
    assert (balance(sc.a), balance(sc.b)) == (105_00, 30_00)


def test_a_skipped_sequence_number_is_a_gap_even_when_balances_chain(any_platform: Platform) -> None:
    scene(any_platform)
    any_platform.bank.import_statement(s.camt([E("Q1", "10.00", ogm=s.WALLET_A)], sequence=1).encode(),
                                       filename="1", operator="ops")
    report = any_platform.bank.import_statement(
        s.camt([], sequence=3, statement_id="2026-003", opening_cents=500_010_00).encode(), filename="3",
        operator="ops")
    assert len(report.gaps) == 1 and "2026-003" in report.gaps[0]


def test_statements_of_another_account_are_skipped_and_named(
    make_platform: Callable[..., Platform], database_url: str, english: None,
) -> None:
    platform = make_platform(database_url)
    sc = scene(platform)
    before = state()
    with pytest.raises(ValidationError) as caught:
        platform.bank.import_statement(s.coda([M("X0001", 75_00, ogm=s.WALLET_A)], iban=s.OTHER_IBAN).encode(),
                                       filename="other.cod", operator="ops")
    assert caught.value.code == "statement_account"
    assert "BE21 0012 3456 7803" in caught.value.message and "BE71 0961 2345 6769" in caught.value.message
    assert state() == before
    # The receiving account is the bank transfer method's (plugins.toml), else the platform's.
    other = make_platform(database_url, config_text=f'[plugins.bank_transfer]\niban = "{s.OTHER_IBAN}"\n')
    assert other.bank.receiving_accounts() == [s.OTHER_IBAN]
    report = other.bank.import_statement(s.coda([M("X0001", 75_00, ogm=s.WALLET_A)], iban=s.OTHER_IBAN).encode(),
                                         filename="other.cod", operator="ops")
    assert report.count("credited") == 1 and balance(sc.a) == 75_00


def _documented(start: str) -> list[tuple[list[str], str]]:
    """The commands of the docs/payments.md block that starts with ``$ <start>``, with their output."""
    document = (Path(__file__).resolve().parents[1] / "docs" / "payments.md").read_text(encoding="utf-8")
    block = document[document.index(f"$ {start}"):]
    block = block[:block.index("```")]
    runs: list[tuple[list[str], str]] = []
    for line in block.splitlines():
        if line.startswith("$ immo-connect "):
            runs.append((line[len("$ immo-connect "):].split("#")[0].split(), ""))
        else:
            runs[-1] = (runs[-1][0], runs[-1][1] + line + "\n")
    return runs


def _run_documented(platform: Platform, start: str, folder: Path, tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "plugins.toml"  # the platform's own configuration file
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(folder)
    base = ["--config", str(config), "--database-url", platform.settings.database_url]
    for command, expected in _documented(start):
        assert main([*base, *command]) == 0
        assert capsys.readouterr().out.replace("\u202f", " ").rstrip("\n") == expected.rstrip("\n")


def test_the_documented_import_example_runs_as_written(
    make_platform: Callable[..., Platform], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    platform = make_platform(config_text=f'[plugins.bank_transfer]\niban = "{s.SPEC_IBAN}"\n')
    sc = scene(platform)
    from immo_connect.storage import transaction
    from immo_connect.wallet.models import Wallet
    make_operator("fin.anne", "finance")  # imports are a finance operator's
    with transaction():  # "a wallet has +++202/6000/04236+++, none the other"
        Wallet.update(structured_communication=s.UNKNOWN).where(Wallet.organisation == sc.b.id).execute()
    _run_documented(platform, "immo-connect bank import spec-sample.cod", Path(__file__).parent / "data" /
                    "statements", tmp_path, monkeypatch, capsys)


def test_the_documented_status_example_runs_as_written(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    scene(platform)
    day5, day6 = [M("G0005", 100_00, ogm=s.WALLET_A)], [M("G0006", 30_00, ogm=s.WALLET_B)]
    platform.bank.import_statement(s.coda(day5, sequence=5).encode(), filename="5", operator="ops")
    platform.bank.import_statement(s.coda([M("G0007", 5_00, ogm=s.WALLET_A)], sequence=7,
                                          old_cents=s.coda_closing(day6, s.coda_closing(day5)),
                                          day=DAY + dt.timedelta(days=2)).encode(), filename="7", operator="ops")
    make_operator("fin.anne", "finance")
    _run_documented(platform, "immo-connect bank status", tmp_path, tmp_path, monkeypatch, capsys)
