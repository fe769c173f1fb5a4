"""The ledger's hot path: the few statements every money movement runs, as plain SQL.

The same SQL runs on SQLite and PostgreSQL (only the placeholder differs). The balance moves
in ONE conditional statement, ``UPDATE wallet SET balance = balance - x … WHERE … AND
balance >= x RETURNING …``: the database checks and changes the balance atomically, so two
writers can never both spend the same cents, without any read-then-write or explicit lock.
The statements are written by hand rather than built by the ORM for speed: building them
with peewee's query builder costs several times the database work itself (see
``bench/bench_wallet.py``). Every function here runs inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Sequence
from typing import Any

import peewee

from immo_connect.storage import database

_TX_COLUMNS = (
    "wallet_id", "number", "kind", "tool", "type_key", "description", "amount", "status",
    "failure_reason", "balance_before", "balance_after", "actor_id", "actor_name",
    "counterpart_wallet_id", "counterpart_transaction_id", "reference", "idempotency_key",
    "request_hash", "created_at", "completed_at", "debit_account", "credit_account", "action",
    "source", "public_description", "usage_mode",
)
_TIMES = (_TX_COLUMNS.index("created_at"), _TX_COLUMNS.index("completed_at"))
# A charge's columns that its debit gives (``d`` is the debit's RETURNING row), the rest are parameters.
_FROM_DEBIT = {
    "wallet_id": "d.id", "number": "d.last_number", "balance_before": "d.before",
    "balance_after": "d.balance", "actor_name": "d.username", "debit_account": "'wallet:' || d.id",
}
_CHARGE_PARAMS = tuple(column for column in _TX_COLUMNS if column not in _FROM_DEBIT)


@functools.cache
def _sql(param: str) -> dict[str, str]:
    """Every statement of the hot path, for one placeholder style (``?`` or ``%s``)."""
    p = param
    tx_values = ", ".join([p] * len(_TX_COLUMNS))
    # A member's charge: the debit happens only if the wallet covers it AND the account and
    # its membership of the wallet's organisation are active (what ``require_member`` reads).
    debit_member = (
        f"UPDATE wallet SET balance = balance - {p}, last_number = last_number + 1 "
        f"WHERE organisation_id = {p} AND balance >= {p} AND EXISTS (SELECT 1 FROM account a "
        f"JOIN membership m ON m.account_id = a.id WHERE a.id = {p} AND a.status = 'active' "
        f"AND m.organisation_id = {p} AND m.status = 'active') "
        f"RETURNING id, balance + {p} AS before, balance, last_number, "
        f"(SELECT substr(username, 1, 200) FROM account WHERE id = {p}) AS username"
    )
    charged = ", ".join(_FROM_DEBIT.get(column, p) for column in _TX_COLUMNS)
    return {
        "debit_member": debit_member,
        # PostgreSQL: the debit and its row in ONE statement, so one round trip that is its
        # own transaction; a replayed key fails the INSERT and so undoes the debit with it.
        "charge_member": (
            f"WITH d AS ({debit_member}) INSERT INTO wallet_transaction ({', '.join(_TX_COLUMNS)}) "
            f"SELECT {charged} FROM d RETURNING id, wallet_id, number, balance_before, balance_after, "
            "actor_name"
        ),
        "debit": (
            f"UPDATE wallet SET balance = balance - {p}, last_number = last_number + 1 "
            f"WHERE id = {p} AND balance >= {p} RETURNING balance, last_number"
        ),
        # Money taken back (a chargeback, a refund): booked even below zero, the money is gone.
        "take": (
            f"UPDATE wallet SET balance = balance - {p}, last_number = last_number + 1 "
            f"WHERE id = {p} RETURNING balance, last_number"
        ),
        "credit": (
            f"UPDATE wallet SET balance = balance + {p}, last_number = last_number + 1 "
            f"WHERE id = {p} RETURNING balance, last_number"
        ),
        # A failed attempt still takes the next number (the history has no gaps).
        "bump": (
            f"UPDATE wallet SET last_number = last_number + 1 WHERE id = {p} "
            "RETURNING balance, last_number"
        ),
        # Takes the row lock on PostgreSQL without changing anything (lock ordering).
        "touch": f"UPDATE wallet SET last_number = last_number WHERE id = {p}",
        "wallet_of": f"SELECT id FROM wallet WHERE organisation_id = {p}",
        "create_wallet": (
            "INSERT INTO wallet (organisation_id, balance, last_number, structured_communication, "
            f"created_at) VALUES ({p}, 0, 0, {p}, {p}) ON CONFLICT (organisation_id) DO NOTHING"
        ),
        # SQLite gives the new id as the cursor's lastrowid; RETURNING would cost it a
        # temporary table per row.
        "insert_tx": (
            f"INSERT INTO wallet_transaction ({', '.join(_TX_COLUMNS)}) VALUES ({tx_values})"
            + ("" if p == "?" else " RETURNING id")
        ),
        "find_key": (
            f"SELECT id, request_hash FROM wallet_transaction WHERE idempotency_key = {p}"
        ),
        "membership": (
            "SELECT a.status, a.username, m.status, m.is_manager FROM account a "
            f"LEFT JOIN membership m ON m.account_id = a.id AND m.organisation_id = {p} "
            f"WHERE a.id = {p}"
        ),
    }


# peewee's translation of driver exceptions (sqlite3/psycopg2 IntegrityError -> peewee's).
_DRIVER_ERRORS: Any = getattr(peewee, "__exception_wrapper__")  # noqa: B009 - not in its type hints


def _run(name: str, params: Sequence[Any]) -> Any:
    """Execute one statement on the connection's own cursor (what ``execute_sql`` does, minus
    its per-call bookkeeping: peewee keeps drivers in autocommit mode and issues BEGIN itself)."""
    db: Any = database.obj
    cursor = db.cursor()
    with _DRIVER_ERRORS:
        cursor.execute(_sql(db.param)[name], params)
    return cursor


def _time(moment: dt.datetime | None) -> Any:
    """How a time is sent: ISO text for SQLite (what its datetime adapter would write), else as is."""
    if moment is not None and isinstance(database.obj, peewee.SqliteDatabase):
        return moment.isoformat(" ")
    return moment


def debit(wallet_id: int, amount: int) -> tuple[int, int] | None:
    """Take ``amount`` from the wallet if it holds enough: ``(balance after, number)`` or None."""
    row = _run("debit", (amount, wallet_id, amount)).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def take(wallet_id: int, amount: int) -> tuple[int, int] | None:
    """Take ``amount`` whatever the balance (money taken back only): ``(balance after, number)``."""
    row = _run("take", (amount, wallet_id)).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def credit(wallet_id: int, amount: int) -> tuple[int, int] | None:
    row = _run("credit", (amount, wallet_id)).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def bump(wallet_id: int) -> tuple[int, int] | None:
    """The next number without moving money: ``(balance, number)``; None if there is no such wallet."""
    row = _run("bump", (wallet_id,)).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def touch(wallet_id: int) -> None:
    _run("touch", (wallet_id,))


def wallet_id_of(organisation_id: int) -> int | None:
    row = _run("wallet_of", (organisation_id,)).fetchone()
    return int(row[0]) if row else None


def create_wallet(organisation_id: int, communication: str, now: dt.datetime) -> None:
    """Create the organisation's wallet unless it exists (safe against a concurrent creation)."""
    _run("create_wallet", (organisation_id, communication, _time(now)))


_tx_params = operator.itemgetter(*_TX_COLUMNS)


def insert_transaction(values: dict[str, Any]) -> int:
    """Insert one row (``values`` has every column of ``_TX_COLUMNS``); its new id."""
    params = list(_tx_params(values))
    for index in _TIMES:
        params[index] = _time(params[index])
    cursor = _run("insert_tx", params)
    if database.obj.param == "?":  # SQLite: no RETURNING (see the statement)
        return int(cursor.lastrowid)
    return int(cursor.fetchone()[0])


def charge_member(values: dict[str, Any], organisation_id: int, amount: int,
                  actor_id: int) -> dict[str, Any] | None:
    """A member's charge of ``amount`` in as few statements as the engine allows: the row's
    ``values`` completed with its id, wallet, number, balances and the actor's username; None
    when nothing happened (no wallet yet, too low a balance, or not an active member: the
    caller then takes the path that tells which).

    On PostgreSQL one statement, run outside a transaction (it is one); on SQLite the debit
    and the INSERT, inside the caller's transaction. A used idempotency key raises peewee's
    ``IntegrityError`` and leaves the balance as it was.
    """
    debit = (amount, organisation_id, amount, actor_id, organisation_id, amount, actor_id)
    if database.obj.param == "?":
        moved = _run("debit_member", debit).fetchone()
        if moved is None:
            return None
        wallet_id, before, after, number, username = moved
        values = dict(values, wallet_id=int(wallet_id), number=int(number), balance_before=int(before),
                      balance_after=int(after), actor_name=str(username), debit_account=f"wallet:{wallet_id}")
        return dict(values, id=insert_transaction(values))
    row = _run("charge_member", debit + tuple(values[column] for column in _CHARGE_PARAMS)).fetchone()
    if row is None:
        return None
    row_id, wallet_id, number, before, after, username = row
    return dict(values, id=int(row_id), wallet_id=int(wallet_id), number=int(number), balance_before=int(before),
                balance_after=int(after), actor_name=str(username), debit_account=f"wallet:{wallet_id}")


def find_key(key: str) -> tuple[int, str] | None:
    row = _run("find_key", (key,)).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def membership(actor_id: int, organisation_id: int) -> tuple[str, str, str | None, bool] | None:
    """``(account status, username, membership status or None, is manager)`` or None."""
    row = _run("membership", (organisation_id, actor_id)).fetchone()
    if row is None:
        return None
    return str(row[0]), str(row[1]), (None if row[2] is None else str(row[2])), bool(row[3])
