"""The wallet ledger: one wallet per organisation, immutable double-entry transactions.

* :class:`Wallet` holds the balance of one organisation in integer euro cents. The balance
  only changes through one conditional ``UPDATE`` (see ``_ledger.py``): a debit happens only
  when the balance covers it. The one exception is money taken back (a chargeback, a refund,
  a returned transfer, kind ``reversal``): that money is already gone, so it is booked even
  when the balance goes below zero, and a negative wallet then pays for nothing until it is
  topped up (every ordinary debit's condition fails).
* :class:`WalletTransaction` is one line of the wallet's history: numbered without gaps per
  wallet (``number``), with the balance before and after. A final row (succeeded or failed)
  never changes; only a ``pending`` row may be settled once. Triggers enforce both.
  Each row that moved money is also its double-entry posting, like a TigerBeetle transfer:
  ``abs(amount)`` leaves ``debit_account`` and arrives on ``credit_account``. Accounts are
  names: ``wallet:<id>`` for wallets and ``platform:…`` for the platform's own accounts (money
  that came in from payment providers or banks, revenue per tool, corrections). The balance
  of a wallet always equals the sum of its postings; platform accounts keep no stored balance.
* Each row is also the audit record of the movement that wrote it (``action``, ``source``,
  the actor, the time and the status): :mod:`immo_connect.wallet.audit_trail` shows it in
  the audit log, so a movement and its audit record can never disagree.
"""

from __future__ import annotations

import re
from typing import Any

import peewee

from immo_connect.i18n import N_
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.storage import BaseModel, Migration

# Transaction kinds (the "type" users filter on; tools are further split by tool name).
KIND_ONLINE_TOPUP = "online_topup"
KIND_BANK_TRANSFER = "bank_transfer"
KIND_TRANSFER = "transfer"
KIND_TOOL = "tool_usage"
KIND_CORRECTION = "correction"
# Money of a top-up taken back (chargeback, refund, returned or recalled transfer), or given
# back when such a taking back is undone; always linked to the top-up it concerns.
KIND_REVERSAL = "reversal"
KINDS: tuple[str, ...] = (
    KIND_ONLINE_TOPUP, KIND_BANK_TRANSFER, KIND_TRANSFER, KIND_TOOL, KIND_CORRECTION, KIND_REVERSAL,
)
# Top-ups that can be taken back: money that came in from a payment provider or a bank.
REVERSIBLE_KINDS: tuple[str, ...] = (KIND_ONLINE_TOPUP, KIND_BANK_TRANSFER)
CREDIT_KINDS: tuple[str, ...] = (KIND_ONLINE_TOPUP, KIND_BANK_TRANSFER, KIND_CORRECTION)

STATUS_SUCCEEDED = "succeeded"
STATUS_FAILED = "failed"
STATUS_PENDING = "pending"
STATUSES: tuple[str, ...] = (STATUS_SUCCEEDED, STATUS_FAILED, STATUS_PENDING)

# Platform ledger accounts (the other side of every wallet posting).
PLATFORM_ACCOUNTS: dict[str, str] = {
    KIND_ONLINE_TOPUP: "platform:online_topups",
    KIND_BANK_TRANSFER: "platform:bank_transfers",
    KIND_CORRECTION: "platform:corrections",
}
TOOL_ACCOUNT_PREFIX = "platform:tool:"

MAX_AMOUNT_CENTS = 10**11  # one billion euros: far above any real top-up, far below overflow


def wallet_account(wallet_id: int) -> str:
    return f"wallet:{wallet_id}"


def type_key(kind: str, tool: str = "") -> str:
    """The value of the "type" filter: the kind, or ``tool:<name>`` for the use of a tool."""
    return f"tool:{tool}" if kind == KIND_TOOL else kind


class Wallet(BaseModel):
    id = peewee.BigAutoField()
    organisation = peewee.ForeignKeyField(
        Organisation, backref="wallet", unique=True, on_delete="RESTRICT"
    )
    # May be negative only after money was taken back (see the module's docstring).
    balance = peewee.BigIntegerField(default=0)
    # The number of the last numbered transaction; the next one gets last_number + 1.
    last_number = peewee.BigIntegerField(default=0)
    # The 12 digits of the wallet's structured communication (bank transfers).
    structured_communication = peewee.CharField(max_length=12, unique=True, null=True)
    created_at = peewee.DateTimeField()

    organisation_id: int  # the column behind ``organisation`` (for type checkers)

    @property
    def account(self) -> str:
        return wallet_account(int(self.id))


class WalletTransaction(BaseModel):
    id = peewee.BigAutoField()
    wallet = peewee.ForeignKeyField(Wallet, backref="transactions", on_delete="RESTRICT", index=False)
    # Per-wallet sequence without gaps (failed attempts are numbered too); NULL while pending.
    number = peewee.BigIntegerField(null=True)
    kind = peewee.CharField(max_length=20)
    tool = peewee.CharField(max_length=100, default="")
    type_key = peewee.CharField(max_length=120)
    description = peewee.CharField(max_length=500)
    # Signed cents: negative leaves the wallet. For a failed row, the amount that was asked.
    amount = peewee.BigIntegerField()
    status = peewee.CharField(max_length=10)
    failure_reason = peewee.CharField(max_length=50, default="")
    balance_before = peewee.BigIntegerField(null=True)
    balance_after = peewee.BigIntegerField(null=True)
    actor_id = peewee.BigIntegerField(null=True)
    actor_name = peewee.CharField(max_length=200, default="")
    # Transfers: the wallet on the other side; the incoming row points at the outgoing one.
    # Reversals: counterpart_transaction_id is the top-up taken back (same wallet).
    counterpart_wallet_id = peewee.BigIntegerField(null=True)
    counterpart_transaction_id = peewee.BigIntegerField(null=True)
    reference = peewee.CharField(max_length=200, default="")  # provider or bank reference
    idempotency_key = peewee.CharField(max_length=255, null=True, unique=True)
    request_hash = peewee.CharField(max_length=64, default="")
    created_at = peewee.DateTimeField()
    completed_at = peewee.DateTimeField(null=True)
    # The posting: set on a succeeded row that moved money (a transfer's posting is on its
    # outgoing row), NULL on failed, pending and incoming-transfer rows.
    debit_account = peewee.CharField(max_length=150, null=True)
    credit_account = peewee.CharField(max_length=150, null=True)
    # The audit action that wrote the row ("wallet.charge", …) and where it came from (the
    # platform's source: "tui", "ssh:<address>", "cli"). NULL on rows written before the
    # ledger kept its own audit trail (their events are in audit_event).
    action = peewee.CharField(max_length=100, null=True)
    source = peewee.CharField(max_length=100, null=True)
    # A tool's charge whose description is confidential (who was checked, which parcel):
    # what members without access to that tool see instead, e.g. "Anti-Blanchiment —
    # vérification". Empty when the description is not confidential.
    public_description = peewee.CharField(max_length=200, default="", constraints=[peewee.SQL("DEFAULT ''")])
    # A tool's charge: the usage mode the tool ran under (the quality chosen at sign-in), so
    # that invoices have one line per tool and usage mode. NULL on other kinds, on charges
    # written before schema version 6 and on charges a plugin made without one: « mode
    # inconnu » on the invoice.
    usage_mode = peewee.CharField(max_length=100, null=True)

    wallet_id: int  # the column behind ``wallet`` (for type checkers)

    class Meta:
        table_name = "wallet_transaction"
        indexes = (
            # Keyset pagination newest first, with or without each filter.
            (("wallet", "number"), True),
            (("wallet", "created_at", "id"), False),
            (("wallet", "status", "created_at", "id"), False),
            (("wallet", "type_key", "created_at", "id"), False),
            # The « Par » filter: one person's movements.
            (("wallet", "actor_id", "created_at", "id"), False),
        )

    @property
    def succeeded(self) -> bool:
        return bool(self.status == STATUS_SUCCEEDED)


class WalletRight(BaseModel):
    """What one employee may do with the organisation's wallet (see ``rights.py``).

    No row means ``none``. Managers always have ``manage``, whatever is stored here. The
    row goes with the membership: an employee removed and added again starts from ``none``.
    """

    id = peewee.BigAutoField()
    membership = peewee.ForeignKeyField(Membership, unique=True, on_delete="CASCADE")
    right = peewee.CharField(max_length=10)
    changed_by = peewee.BigIntegerField(null=True)
    changed_at = peewee.DateTimeField()

    membership_id: int  # the column behind ``membership`` (for type checkers)

    class Meta:
        table_name = "wallet_right"


class _PostingV1(BaseModel):
    """The posting table of schema versions 1 and 2, folded into ``wallet_transaction`` by
    migration 3. Kept only so that the migrations still build a database from scratch."""

    id = peewee.BigAutoField()
    transaction = peewee.ForeignKeyField(WalletTransaction, on_delete="RESTRICT")
    debit_account = peewee.CharField(max_length=150)
    credit_account = peewee.CharField(max_length=150)
    amount = peewee.BigIntegerField(constraints=[peewee.Check("amount > 0")])
    created_at = peewee.DateTimeField()

    class Meta:
        table_name = "posting"


def _immutable(db: peewee.Database) -> None:
    """Triggers: postings never change; a transaction changes only while it is pending."""
    execute: Any = db.execute_sql
    if isinstance(db, peewee.PostgresqlDatabase):
        execute(
            "CREATE FUNCTION wallet_ledger_immutable() RETURNS trigger AS $$ BEGIN "
            "IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'wallet_transaction' "
            "AND OLD.status = 'pending' THEN RETURN NEW; END IF; "
            "RAISE EXCEPTION 'wallet ledger rows are append-only'; END; $$ LANGUAGE plpgsql"
        )
        for table in ("wallet_transaction", "posting"):
            execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION wallet_ledger_immutable()"
            )
        return
    execute(
        "CREATE TRIGGER wallet_transaction_no_update BEFORE UPDATE ON wallet_transaction "
        "WHEN OLD.status <> 'pending' "
        "BEGIN SELECT RAISE(ABORT, 'wallet_transaction is append-only'); END"
    )
    execute(
        "CREATE TRIGGER wallet_transaction_no_delete BEFORE DELETE ON wallet_transaction "
        "BEGIN SELECT RAISE(ABORT, 'wallet_transaction is append-only'); END"
    )
    for verb in ("UPDATE", "DELETE"):
        execute(
            f"CREATE TRIGGER posting_no_{verb.lower()} BEFORE {verb} ON posting "
            "BEGIN SELECT RAISE(ABORT, 'posting is append-only'); END"
        )


def _create(db: peewee.Database) -> None:
    db.create_tables([Wallet, WalletTransaction, _PostingV1])
    _immutable(db)


def _drop_account_indexes(db: peewee.Database) -> None:
    execute: Any = db.execute_sql
    for name in ("posting_debit_account", "posting_credit_account"):
        execute(f"DROP INDEX IF EXISTS {name}")


_NEW_COLUMNS = (
    ("debit_account", "VARCHAR(150)"), ("credit_account", "VARCHAR(150)"),
    ("action", "VARCHAR(100)"), ("source", "VARCHAR(100)"),
)


def _postings_on_transactions(db: peewee.Database) -> None:
    """Each transaction carries its own posting, and its audit action and source.

    One row per movement instead of three (transaction, posting, audit event): the same
    facts, written once. Existing postings are copied onto their rows; existing rows keep
    ``action`` NULL because their audit events are already in ``audit_event``.
    """
    execute: Any = db.execute_sql
    present = {column.name for column in db.get_columns("wallet_transaction")}
    for name, sql_type in _NEW_COLUMNS:
        if name not in present:  # a fresh database has them from migration 1's model
            execute(f"ALTER TABLE wallet_transaction ADD COLUMN {name} {sql_type}")
    # Final rows refuse UPDATE; lift that for this one copy, inside the migration's transaction.
    if isinstance(db, peewee.PostgresqlDatabase):
        execute("ALTER TABLE wallet_transaction DISABLE TRIGGER wallet_transaction_immutable")
    else:
        execute("DROP TRIGGER wallet_transaction_no_update")
    for column in ("debit_account", "credit_account"):
        execute(
            f"UPDATE wallet_transaction SET {column} = (SELECT p.{column} FROM posting p "
            "WHERE p.transaction_id = wallet_transaction.id) "
            "WHERE id IN (SELECT transaction_id FROM posting)"
        )
    if isinstance(db, peewee.PostgresqlDatabase):
        execute("ALTER TABLE wallet_transaction ENABLE TRIGGER wallet_transaction_immutable")
    else:
        execute(
            "CREATE TRIGGER wallet_transaction_no_update BEFORE UPDATE ON wallet_transaction "
            "WHEN OLD.status <> 'pending' "
            "BEGIN SELECT RAISE(ABORT, 'wallet_transaction is append-only'); END"
        )
    execute("DROP TABLE posting")  # its triggers go with it


_BALANCE_CHECK = re.compile(r"\s*CHECK\s*\(\s*balance\s*>=\s*0\s*\)", re.IGNORECASE)


def _balance_may_go_negative(db: peewee.Database) -> None:
    """Drop the ``CHECK (balance >= 0)`` of schema versions 1-3: money taken back is booked
    even when it leaves a wallet below zero. Ordinary debits keep their conditional UPDATE.

    SQLite cannot drop a constraint, and rebuilding ``wallet`` is impossible while
    ``wallet_transaction`` refers to it with ``ON DELETE RESTRICT``; SQLite documents this
    edit of the stored schema for removing CHECK constraints (lang_altertable.html, "making
    other kinds of table schema changes"): the data on disk does not change.
    """
    execute: Any = db.execute_sql
    if isinstance(db, peewee.PostgresqlDatabase):
        names = execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'wallet'::regclass AND contype = 'c' "
            "AND pg_get_constraintdef(oid) LIKE %s", ("%balance >= 0%",)
        ).fetchall()
        for (name,) in names:
            execute(f'ALTER TABLE wallet DROP CONSTRAINT "{name}"')
        return
    row = execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'wallet'").fetchone()
    sql = str(row[0]) if row else ""
    relaxed = _BALANCE_CHECK.sub("", sql)
    if relaxed == sql:  # a database created without it
        return
    version = int(execute("PRAGMA schema_version").fetchone()[0])
    execute("PRAGMA writable_schema = ON")
    try:
        execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'wallet'", (relaxed,))
        execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        execute("PRAGMA writable_schema = OFF")


def _rights_and_details(db: peewee.Database) -> None:
    """Wallet rights per employee, confidential charge details and the « Par » filter's index.

    Existing employees get no row, that is the right ``none``: the wallet shows every
    tool's use by everyone (who was checked for money laundering, which parcels were
    searched), so keeping the old "every member sees everything" would keep that open
    until a manager revisits every employee. Managers keep ``manage`` (they always have
    it) and grant the others what they need in the employee's details.
    """
    execute: Any = db.execute_sql
    db.create_tables([WalletRight], safe=True)
    present = {column.name for column in db.get_columns("wallet_transaction")}
    if "public_description" not in present:  # a fresh database has it from migration 1's model
        execute("ALTER TABLE wallet_transaction ADD COLUMN public_description VARCHAR(200) NOT NULL DEFAULT ''")
    schema: Any = getattr(WalletTransaction, "_schema")  # noqa: B009 - peewee's schema manager, untyped
    schema.create_indexes(safe=True)


def _usage_mode(db: peewee.Database) -> None:
    """The usage mode on each charge. Existing rows keep NULL: which mode a past charge ran
    under was not recorded, and final rows never change (invoices show « mode inconnu »)."""
    present = {column.name for column in db.get_columns("wallet_transaction")}
    if "usage_mode" not in present:  # a fresh database has it from migration 1's model
        execute: Any = db.execute_sql
        execute("ALTER TABLE wallet_transaction ADD COLUMN usage_mode VARCHAR(100)")


MIGRATIONS = [
    Migration(1, N_("wallets, transactions and postings"), _create),
    Migration(2, N_("postings without account indexes"), _drop_account_indexes),
    Migration(3, N_("postings and audit trail on the transactions"), _postings_on_transactions),
    Migration(4, N_("a balance may go below zero when money is taken back"), _balance_may_go_negative),
    Migration(5, N_("wallet rights per employee, confidential details, filter by person"), _rights_and_details),
    Migration(6, N_("the usage mode of each tool charge"), _usage_mode),
]
