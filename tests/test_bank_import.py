"""Importing statements: matched lines credited once, the rest kept in suspense, re-import inert.

Runs on SQLite and on PostgreSQL. The two sample wallets get the communications used in the
sample files (tests/data/statements/), written straight to the database.
"""

from __future__ import annotations

import dataclasses
import io
import multiprocessing
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from immo_connect.audit import AuditEvent
from immo_connect.bank.models import BankEntry, StatementImport
from immo_connect.bank.service import bank_credit_key
from immo_connect.cli import main
from immo_connect.errors import ConflictError, NotFoundError, ValidationError
from immo_connect.mail.models import OutboxMessage
from immo_connect.organisations.models import Organisation
from immo_connect.platform import Platform
from immo_connect.storage import transaction
from immo_connect.wallet.models import Wallet, WalletTransaction
from tests.support import statements as s
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.operators import make_operator
from tests.support.wallet import posting_count

DATA = Path(__file__).parent / "data" / "statements"


@dataclasses.dataclass
class Scene:
    a: Organisation
    b: Organisation
    managers: int  # of organisation A


def scene(platform: Platform) -> Scene:
    anne = make_account("anne", first_name="Anne")
    bert = make_account("bert", first_name="Bert")
    a = make_organisation(anne, name="Agence A")
    add_member(a, bert, is_manager=True)
    add_member(a, make_account("clerk"))  # an employee: not mailed
    b = make_organisation(make_account("carl"), name="Agence B")
    for organisation, digits in ((a, s.WALLET_A), (b, s.WALLET_B)):
        platform.wallet.ensure_wallet(organisation.id)
        with transaction():
            Wallet.update(structured_communication=digits).where(Wallet.organisation == organisation.id).execute()
    return Scene(a, b, managers=2)


def balance(organisation: Organisation) -> int:
    return int(Wallet.get(Wallet.organisation == organisation.id).balance)


def state() -> tuple[int, ...]:
    """Everything an import may change, except the audit log."""
    return (WalletTransaction.select().count(), posting_count(), BankEntry.select().count(),
            StatementImport.select().count(), OutboxMessage.select().count(),
            sum(w.balance for w in Wallet.select()))


def test_coda_import_credits_matches_keeps_the_rest_and_reimport_changes_nothing(any_platform: Platform) -> None:
    sc = scene(any_platform)
    report = any_platform.bank.import_file(DATA / "mixed.cod", operator="ops")
    outcomes = [(line.position, line.outcome) for line in report.lines]
    assert outcomes == [
        ("ligne 3", "credited"), ("ligne 6", "credited"), ("ligne 9", "suspense"), ("ligne 12", "credited"),
        ("ligne 15", "suspense"), ("ligne 18", "suspense"), ("ligne 21", "duplicate"), ("ligne 24", "ignored"),
    ]
    assert balance(sc.a) == 250_00 + 100_00 and balance(sc.b) == 1234_56
    credited = WalletTransaction.select().where(WalletTransaction.kind == "bank_transfer")
    assert {(t.reference, t.amount) for t in credited} == {
        ("OL4821A0001EBKTBBNPOS", 25000), ("OL4821A0002EBKTBBNPOS", 123456), ("OL4821A0004EBKTBBNPOS", 10000)}
    assert {t.idempotency_key for t in credited} == {
        bank_credit_key(e.entry_key) for e in BankEntry.select().where(BankEntry.status == "credited")}
    # Every line that is not a top-up of a known wallet waits for an operator, with its reason.
    suspense = {e.position: e.problem for e in any_platform.bank.suspense()}
    assert suspense == {"ligne 9": "no_wallet", "ligne 15": "invalid_communication",
                        "ligne 18": "no_communication"}
    reasons = {line.position: line.reason for line in report.lines if line.outcome == "suspense"}
    assert reasons["ligne 9"] == "aucun Wallet n'a cette communication structurée"
    # Managers (not employees) are mailed once per credit.
    mails = OutboxMessage.select().where(OutboxMessage.template == "topup_credited")
    assert mails.count() == 2 * sc.managers + 1
    assert StatementImport.get().credited == 3

    assert report.total("credited") == 250_00 + 1234_56 + 100_00
    assert report.total("ignored") == -12_50

    before = state()
    again = any_platform.bank.import_file(DATA / "mixed.cod", operator="ops")
    assert {line.outcome for line in again.lines} == {"duplicate", "ignored"}
    assert state() == before


SPEC_ACCOUNT = f'[plugins.bank_transfer]\niban = "{s.SPEC_IBAN}"\n'


def test_the_same_statement_in_the_other_format_changes_nothing(
    make_platform: Callable[..., Platform], database_url: str,
) -> None:
    platform = make_platform(database_url, config_text=SPEC_ACCOUNT)
    sc = scene(platform)
    report = platform.bank.import_file(DATA / "spec-sample.cod", operator="ops")
    assert [line.outcome for line in report.lines] == ["credited", "credited"]
    assert balance(sc.a) == 250_00 and balance(sc.b) == 1234_56
    before = state()
    # The bank's entry references and the statement's number make them the same entries.
    assert [line.outcome for line in platform.bank.import_file(DATA / "spec-sample.xml", operator="ops").lines] \
        == ["duplicate", "duplicate"]
    assert state() == before


def test_camt_import_with_batches_and_pending(any_platform: Platform, english: None) -> None:
    sc = scene(any_platform)
    report = any_platform.bank.import_file(DATA / "mixed.xml", operator="ops")
    by_reference = {line.reference: line.outcome for line in report.lines}
    assert by_reference == {
        "CAMT0001": "duplicate",  # the first occurrence was credited, the repeat is a duplicate
        "CAMT0002": "credited", "CAMT0003": "credited", "CAMT0004": "suspense", "CAMT0005": "suspense",
        "CAMT0006": "suspense", "CAMT0008": "ignored", "CAMT0009": "ignored",
        "CAMT0011-1": "credited", "CAMT0011-2": "suspense",
    }
    assert [line.outcome for line in report.lines][:1] == ["credited"]
    assert (report.count("credited"), report.count("suspense"), report.count("duplicate"),
            report.count("ignored")) == (4, 4, 1, 2)
    assert balance(sc.a) == 250_00 + 80_00 and balance(sc.b) == 1234_56 + 100_00
    pending = next(line for line in report.lines if line.reference == "CAMT0009")
    assert "pending" in pending.reason
    assert {e.problem for e in any_platform.bank.suspense()} == {
        "no_wallet", "invalid_communication", "no_communication"}
    before = state()
    any_platform.bank.import_file(DATA / "mixed.xml", operator="ops")
    assert state() == before


def test_assigning_suspense_entries_credits_once(any_platform: Platform) -> None:
    sc = scene(any_platform)
    any_platform.bank.import_file(DATA / "mixed.cod", operator="ops")
    # A statement of the account in another currency: its amount is not credited as is.
    foreign = s.coda([s.Move("USD0001", 90_00, ogm=s.WALLET_A)], sequence=6).replace("EUR", "USD")
    any_platform.bank.import_statement(foreign.encode(), filename="usd.cod", operator="ops")
    waiting = {e.position: e for e in any_platform.bank.suspense()}
    unknown, unreadable = waiting["ligne 9"], waiting["ligne 3"]
    assert unreadable.problem == "currency"

    start = balance(sc.b)
    entry = any_platform.bank.assign(unknown.id, sc.b.id, operator="ops")
    assert (entry.status, entry.organisation_id, entry.resolved_by) == ("assigned", sc.b.id, "ops")
    assert balance(sc.b) == start + 75_00
    transaction_row = WalletTransaction.get_by_id(entry.transaction_id)
    assert (transaction_row.kind, transaction_row.amount) == ("bank_transfer", 7500)
    before = state()
    with pytest.raises(ConflictError):
        any_platform.bank.assign(unknown.id, sc.a.id, operator="ops")
    assert state() == before

    # An unreadable line needs the amount from the operator, and a real organisation.
    for call, error in (
        (lambda: any_platform.bank.assign(unreadable.id, sc.a.id, operator="ops"), ValidationError),
        (lambda: any_platform.bank.assign(unreadable.id, sc.a.id, operator="ops", amount_cents=0), ValidationError),
        (lambda: any_platform.bank.assign(unreadable.id, 999_999, operator="ops", amount_cents=2500), NotFoundError),
        (lambda: any_platform.bank.assign(waiting["ligne 15"].id, sc.a.id, operator="ops", amount_cents=1), ValidationError),
        (lambda: any_platform.bank.assign(987_654, sc.a.id, operator="ops"), NotFoundError),
    ):
        with pytest.raises(error):
            call()
        assert state() == before
    any_platform.bank.assign(unreadable.id, sc.a.id, operator="ops", amount_cents=25_00)
    assert balance(sc.a) == 350_00 + 25_00
    assert AuditEvent.select().where(AuditEvent.action == "bank.assigned").count() == 2


def test_file_level_problems_change_nothing(platform: Platform, tmp_path: Path) -> None:
    scene(platform)
    before = state()
    for content, code in ((b"", "statement_empty"), (b"not a statement\n", "statement_format"),
                          (b"<Document><BkToCstmrStmt>", "statement_unreadable")):
        path = tmp_path / "statement.dat"
        path.write_bytes(content)
        with pytest.raises(ValidationError) as caught:
            platform.bank.import_file(path, operator="ops")
        assert caught.value.code == code
    with pytest.raises(ValidationError) as caught:
        platform.bank.import_file(tmp_path / "missing.cod", operator="ops")
    assert caught.value.code == "statement_missing"
    assert state() == before


def _import_in_child(url: str, data_dir: str, path: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from immo_connect.config import load_settings
    from immo_connect.platform import create_platform

    environ = {"IMMO_CONNECT_DATA_DIR": data_dir}
    settings = load_settings(None, environ=environ, database_url=url)
    platform = create_platform(settings, environ=environ, load_entrypoints=False, migrate=False)
    report = platform.bank.import_file(path, operator="child")
    queue.put(sorted(line.outcome for line in report.lines))


def test_two_processes_importing_the_same_file_credit_once(
    make_platform: Callable[..., Platform], database_url: str, tmp_path: Path,
) -> None:
    platform = make_platform(database_url)
    sc = scene(platform)
    moves = [s.Move(f"CONC{n:04d}", 50_00 + n, ogm=s.WALLET_A if n % 2 else s.WALLET_B) for n in range(30)]
    path = tmp_path / "busy.cod"
    path.write_text(s.coda(moves))
    platform.database.close()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    children = [context.Process(target=_import_in_child, args=(database_url, str(tmp_path / "data"), str(path), queue))
                for _ in range(2)]
    for child in children:
        child.start()
    results = [queue.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    # Between them the two imports saw every line once as credited, once as duplicate.
    merged = sorted(results[0] + results[1])
    assert merged.count("credited") == 30 and merged.count("duplicate") == 30
    assert WalletTransaction.select().count() == 30
    assert balance(sc.a) + balance(sc.b) == sum(m.cents for m in moves)
    assert BankEntry.select().count() == 30


def test_cli_import_suspense_and_assign(platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    sc = scene(platform)
    config = tmp_path / "plugins.toml"
    config.write_text("")
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    base = ["--config", str(config), "--database-url", platform.settings.database_url]

    make_operator("ops.finance", "finance")
    acting = ["--as", "ops.finance", "--reason", "transfer without communication"]
    daily = ["--as", "ops.finance", "--reason", "daily statement"]
    with pytest.raises(SystemExit):  # an import is an identified finance operator's
        main([*base, "bank", "import", str(DATA / "mixed.cod"), "--operator", "ops"])
    capsys.readouterr()
    assert main([*base, "bank", "import", str(DATA / "mixed.cod"), *daily]) == 0
    assert StatementImport.get().operator == "ops.finance"
    event = AuditEvent.get(AuditEvent.action == "operator.bank_imported")
    assert event.actor == "ops.finance" and "daily statement" in event.detail and '"credited": 3' in event.detail
    captured = capsys.readouterr()
    out = captured.out
    # A summary by default: the statement, then counts and totals per outcome.
    assert out.splitlines()[1].startswith("Extrait 005 de BE71 0961 2345 6769 (2026-03-03)")
    assert out.splitlines()[1].endswith("concordant.")
    assert "crédité     3       1\u202f584,56 €" in out and "ignoré      1       -12,50 €" in out
    assert "Crédités : 3, en attente : 3, déjà importés : 1, ignorés : 1." in out
    assert "Agence A" not in out and captured.err == ""  # no table, no progress when not on a terminal
    # The full table on request (the re-import shows every line as already imported).
    assert main([*base, "bank", "import", str(DATA / "mixed.cod"), "--lines", *daily]) == 0
    out = capsys.readouterr().out
    assert out.count("déjà importé (opération") == 7 and "+++555/0000/00183+++" in out

    assert main([*base, "bank", "suspense", "--as", "ops.finance"]) == 0
    listing = capsys.readouterr().out
    assert listing.count("\n") == 4  # the header and three entries
    assert "aucun Wallet n'a cette communication structurée" in listing
    entry_id = next(e.id for e in platform.bank.suspense() if e.problem == "no_communication")

    with pytest.raises(SystemExit):  # who and why are required
        main([*base, "bank", "assign", str(entry_id), "--organisation", str(sc.b.id)])
    assert "--as" in capsys.readouterr().err
    assert main([*base, "bank", "assign", str(entry_id), "--organisation", str(sc.b.id), *acting]) == 0
    assert "40,00 €" in capsys.readouterr().out
    assert main([*base, "bank", "assign", str(entry_id), "--organisation", str(sc.b.id), *acting]) == 2
    assert "déjà" in capsys.readouterr().err
    other = next(e.id for e in platform.bank.suspense())
    assert main([*base, "bank", "assign", str(other), "--organisation", str(sc.a.id), "--amount", "-3",
                 *acting]) == 2
    assert "supérieur à zéro" in capsys.readouterr().err
    assert main([*base, "bank", "import", str(tmp_path / "nothing.cod"), *daily]) == 2
    assert "Traceback" not in capsys.readouterr().err
    make_account("not.finance")  # no role: refused, audited, nothing imported
    assert main([*base, "bank", "import", str(DATA / "mixed.cod"), "--as", "not.finance", "--reason", "x"]) == 2
    assert "Traceback" not in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_import_shows_progress_on_a_terminal(platform: Platform, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    scene(platform)
    make_operator("ops.finance", "finance")
    path = tmp_path / "big.cod"
    path.write_text(s.coda([s.Move(f"BIG{n:05d}", 10_00 + n, ogm=s.WALLET_A) for n in range(300)]), newline="")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    config = tmp_path / "plugins.toml"
    config.write_text("")
    assert main(["--config", str(config), "--database-url", platform.settings.database_url,
                 "bank", "import", str(path), "--as", "ops.finance", "--reason", "daily statement"]) == 0
    shown = terminal.getvalue()
    assert shown.startswith("\rImport : ") and shown.endswith("\rImport : 300 / 300 lignes\n")
    assert len(capsys.readouterr().out.splitlines()) < 10
