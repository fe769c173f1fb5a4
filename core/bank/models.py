"""Imported bank statements and their credit entries, including the suspense list.

Every credit read from a statement gets one :class:`BankEntry`, unique on its ``entry_key``
(account, bank reference, booking date, amount; a hash of the raw text for unreadable
lines), which is what makes re-importing a file change nothing. An entry is ``credited``
(matched to a wallet by its structured communication), ``suspense`` (waiting for an
operator), ``assigned`` (an operator chose the wallet) or ``returned`` (a return or recall
of a transfer, or a suspense entry it took back). Nothing is ever deleted.
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator, migrate

from immo_connect.i18n import N_
from immo_connect.storage import BaseModel, Migration

ENTRY_STATUSES: tuple[str, ...] = ("credited", "suspense", "assigned", "returned")


class StatementImport(BaseModel):
    id = peewee.BigAutoField()
    filename = peewee.CharField(max_length=255)
    format = peewee.CharField(max_length=10)
    sha256 = peewee.CharField(max_length=64, index=True)
    accounts = peewee.CharField(max_length=300, default="")
    operator = peewee.CharField(max_length=100)
    imported_at = peewee.DateTimeField()
    credited = peewee.IntegerField(default=0)
    suspense = peewee.IntegerField(default=0)
    duplicates = peewee.IntegerField(default=0)
    ignored = peewee.IntegerField(default=0)


class BankEntry(BaseModel):
    id = peewee.BigAutoField()
    entry_key = peewee.CharField(max_length=255, unique=True)
    statement_import = peewee.ForeignKeyField(StatementImport, backref="entries", on_delete="RESTRICT")
    format = peewee.CharField(max_length=10)
    position = peewee.CharField(max_length=40)
    account = peewee.CharField(max_length=40, default="")
    reference = peewee.CharField(max_length=100, default="")
    booking_date = peewee.DateField(null=True)
    amount_cents = peewee.BigIntegerField(null=True)  # NULL when the line could not be read
    currency = peewee.CharField(max_length=3, default="EUR")
    communication = peewee.CharField(max_length=12, null=True)
    communication_text = peewee.CharField(max_length=300, default="")
    counterparty_name = peewee.CharField(max_length=100, default="")
    counterparty_iban = peewee.CharField(max_length=40, default="")
    raw_text = peewee.TextField(default="")  # the lines as read, for the operator
    status = peewee.CharField(max_length=10, index=True)
    problem = peewee.CharField(max_length=30, default="")
    organisation_id = peewee.BigIntegerField(null=True)
    transaction_id = peewee.BigIntegerField(null=True)
    created_at = peewee.DateTimeField()
    resolved_at = peewee.DateTimeField(null=True)
    resolved_by = peewee.CharField(max_length=100, default="")
    # A return or recall (status "returned"): the entry whose money it took back.
    returns_entry_id = peewee.BigIntegerField(null=True)


class AccountStatementRow(BaseModel):
    """One account's statement as imported: its balances, for the chain of statements.

    Unique on ``statement_key`` (account, year and sequence number; the balances and dates
    when the bank gives no sequence). Consecutive statements of an account must chain: the
    opening balance of one is the closing balance of the previous, and the sequence numbers
    follow each other; where they do not, a statement is missing (``immo-connect bank status``).
    """

    id = peewee.BigAutoField()
    statement_key = peewee.CharField(max_length=200, unique=True)
    account = peewee.CharField(max_length=40, index=True)
    format = peewee.CharField(max_length=10)
    label = peewee.CharField(max_length=40, default="")
    year = peewee.IntegerField(null=True)
    sequence = peewee.IntegerField(null=True)
    currency = peewee.CharField(max_length=3, default="EUR")
    opening_cents = peewee.BigIntegerField()
    closing_cents = peewee.BigIntegerField()
    opening_date = peewee.DateField(null=True)
    closing_date = peewee.DateField(null=True)
    statement_import = peewee.ForeignKeyField(StatementImport, null=True, on_delete="RESTRICT")
    imported_at = peewee.DateTimeField()

    class Meta:
        table_name = "bank_account_statement"


def _create(db: peewee.Database) -> None:
    db.create_tables([StatementImport, BankEntry])


def _create_statements(db: peewee.Database) -> None:
    db.create_tables([AccountStatementRow])


def _add_return_link(db: peewee.Database) -> None:
    # Databases created before the column existed get it; new ones have it from migration 1.
    if "returns_entry_id" not in {column.name for column in db.get_columns("bank_entry")}:
        migrator = SchemaMigrator.from_database(db)
        migrate(migrator.add_column("bank_entry", "returns_entry_id", peewee.BigIntegerField(null=True)))


MIGRATIONS = [
    Migration(1, N_("bank statement imports and suspense list"), _create),
    Migration(2, N_("account statements and their balances"), _create_statements),
    Migration(3, N_("returned transfers linked to the entry they take back"), _add_return_link),
]
