"""Transfers returned or recalled after crediting are taken back from the wallet, once.

Runs on SQLite and PostgreSQL. The return is a debit of the platform's account in a later
statement (CODA record 2.2 R-transaction type, camt.053 ``PMNT/RCDT/RRTN`` / ``RPCR`` /
``RvslInd``), matched to the credit it takes back; the wallet is debited through
``wallet.take_back`` linked to the original credit, and replaying the statement changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import peewee

from immo_connect.audit import AuditEvent
from immo_connect.bank import models as bank_models
from immo_connect.bank.models import BankEntry
from immo_connect.mail.models import OutboxMessage
from immo_connect.platform import Platform
from immo_connect.wallet.models import WalletTransaction
from tests.support import statements as s
from tests.support.wallet import ledger_problems
from tests.test_bank_import import balance, scene, state

M = s.Move
E = s.Entry
PAYER = "BE71096123456769"


def _import(platform: Platform, text: str) -> list[str]:
    return [line.outcome for line in platform.bank.import_statement(text.encode(), filename="s", operator="ops").lines]


def test_a_returned_coda_transfer_is_taken_back_once_even_below_zero(any_platform: Platform) -> None:
    sc = scene(any_platform)
    paid = [M("PAY0001", 100_00, ogm=s.WALLET_A, iban=PAYER), M("PAY0002", 40_00, ogm=s.WALLET_B)]
    assert _import(any_platform, s.coda(paid, sequence=5)) == ["credited", "credited"]
    credit = WalletTransaction.get(WalletTransaction.reference == "PAY0001")
    # The wallet spends part of it before the bank returns the transfer.
    any_platform.wallet.correct(sc.a.id, 30_00, description="Correction", idempotency_key="spent", debit=True)
    returned = [M("RET0001", 100_00, ogm=s.WALLET_A, iban=PAYER, debit=True, returned="2", reason="AC04",
                  family="0101")]
    statement = s.coda(returned, sequence=6, old_cents=s.coda_closing(paid))
    assert _import(any_platform, statement) == ["returned"]
    assert balance(sc.a) == -30_00 and balance(sc.b) == 40_00
    taken = WalletTransaction.get(WalletTransaction.reference == "RET0001")
    assert (taken.amount, taken.counterpart_transaction_id, taken.failure_reason) == (
        -100_00, credit.id, "transfer_returned")
    assert "AC04" in taken.description
    entry = BankEntry.get(BankEntry.reference == "RET0001")
    original = BankEntry.get(BankEntry.reference == "PAY0001")
    assert (entry.status, entry.returns_entry_id, entry.transaction_id) == ("returned", original.id, taken.id)
    assert AuditEvent.select().where(AuditEvent.action == "bank.returned").count() == 1
    assert OutboxMessage.select().where(OutboxMessage.template == "topup_taken_back").count() == sc.managers
    assert ledger_problems() == []
    before = state()
    for _ in range(2):  # the same statement replayed: nothing changes
        assert _import(any_platform, statement) == ["duplicate"]
        assert state() == before


def test_camt_returns_and_recalls_are_taken_back_and_replays_change_nothing(any_platform: Platform) -> None:
    sc = scene(any_platform)
    paid = [E("CPAY1", "80.00", ogm=s.WALLET_A, iban=PAYER), E("CPAY2", "25.00", ogm=s.WALLET_B, iban=PAYER),
            E("CPAY3", "60.00", ogm=s.WALLET_B, iban=PAYER)]
    assert _import(any_platform, s.camt(paid, sequence=1, opening_cents=0)) == ["credited"] * 3
    back = [
        E("CRET1", "80.00", ogm=s.WALLET_A, iban=PAYER, debit=True, family="RCDT/RRTN", return_reason="AC04"),
        E("CRET2", "25.00", ogm=s.WALLET_B, iban=PAYER, debit=True, family="RCDT/RPCR", return_reason="DUPL"),
        E("CRET3", "60.00", ogm=s.WALLET_B, iban=PAYER, debit=True, reversal=True),
    ]
    statement = s.camt(back, sequence=2, statement_id="2026-006", opening_cents=165_00)
    assert _import(any_platform, statement) == ["returned"] * 3
    assert (balance(sc.a), balance(sc.b)) == (0, 0)
    reasons = {t.reference: t.failure_reason for t in WalletTransaction.select().where(WalletTransaction.amount < 0)}
    assert reasons == {"CRET1": "transfer_returned", "CRET2": "transfer_recalled", "CRET3": "transfer_recalled"}
    assert ledger_problems() == []
    before = state()
    for _ in range(2):
        assert _import(any_platform, statement) == ["duplicate"] * 3
        assert state() == before


def test_returns_of_waiting_or_unknown_transfers_move_no_money(any_platform: Platform) -> None:
    sc = scene(any_platform)
    paid = [M("WAIT001", 70_00, ogm=s.UNKNOWN, iban=PAYER), M("PAY0003", 20_00, ogm=s.WALLET_A)]
    assert _import(any_platform, s.coda(paid, sequence=5)) == ["suspense", "credited"]
    back = [M("RET0002", 70_00, ogm=s.UNKNOWN, iban=PAYER, debit=True, returned="2", reason="AC04"),
            M("RET0003", 55_00, ogm=s.WALLET_A, debit=True, returned="5", reason="FRAD")]
    report = any_platform.bank.import_statement(
        s.coda(back, sequence=6, old_cents=s.coda_closing(paid)).encode(), filename="s", operator="ops")
    assert [line.outcome for line in report.lines] == ["returned", "ignored"]
    assert "introuvable" in report.lines[1].reason  # no credit of 55,00 with that communication
    # The suspense entry left with the money: an operator can no longer assign it.
    assert any_platform.bank.suspense() == []
    assert BankEntry.get(BankEntry.reference == "WAIT001").status == "returned"
    assert balance(sc.a) == 20_00
    assert ledger_problems() == []


def test_an_existing_database_gets_the_return_link(tmp_path: Path) -> None:
    db = peewee.SqliteDatabase(str(tmp_path / "before.sqlite3"))
    db.execute_sql("CREATE TABLE bank_entry (id INTEGER PRIMARY KEY, entry_key VARCHAR(255) NOT NULL)")
    db.execute_sql("INSERT INTO bank_entry (entry_key) VALUES ('kept')")
    for _ in range(2):  # a database created with the column already is left alone
        bank_models._add_return_link(db)
        assert "returns_entry_id" in {column.name for column in db.get_columns("bank_entry")}
    assert db.execute_sql("SELECT entry_key, returns_entry_id FROM bank_entry").fetchall() == [("kept", None)]
