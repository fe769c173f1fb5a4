"""CSV export of a wallet's history, streamed row by row with constant memory.

The file is made for Excel in a Belgian locale (see docs/wallet.md): UTF-8 with a byte order
mark (without it Excel reads UTF-8 as Windows-1252 and breaks accents), ``;`` as separator
(Excel's list separator where the decimal separator is the comma), amounts with a decimal
comma and no thousands separator, dates as ``YYYY-MM-DD HH:MM:SS`` in Belgian local time
(the ISO form Excel reads as a date in every locale), text cells always quoted, and text
that a spreadsheet would run as a formula (``= + - @``) prefixed with ``'``.

The database converts the times to Belgian time (cheap in SQL on both engines); each row
then becomes one CSV line through a few dictionary lookups and integer divisions,
and the lines go to the file through ``writelines``: no row is kept, whatever the count.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import peewee

from immo_connect.i18n import N_, _
from immo_connect.storage import database, is_postgres
from immo_connect.wallet._views import LOCAL_ZONE, TransactionFilter, conditions
from immo_connect.wallet.models import KINDS, STATUSES, WalletTransaction
from immo_connect.wallet.texts import REASON_LABELS, kind_label, status_label

COLUMNS: tuple[str, ...] = (
    N_("Number"), N_("Date"), N_("Type"), N_("Tool"), N_("Description"), N_("Amount (EUR)"),
    N_("Status"), N_("Balance before (EUR)"), N_("Balance after (EUR)"), N_("Reason"),
    N_("Reference"),
)
_FORMULA_STARTS = ("=", "+", "-", "@")
_BATCH = 5_000


_TWO_DIGITS = tuple(f"{n:02d}" for n in range(100))


def cents(value: int | None) -> str:
    """``-1234,56`` (decimal comma, no thousands separator); empty for None."""
    if value is None:
        return ""
    if value < 0:
        whole, part = divmod(-value, 100)
        return f"-{whole},{_TWO_DIGITS[part]}"
    whole, part = divmod(value, 100)
    return f"{whole},{_TWO_DIGITS[part]}"


def quoted(text: str) -> str:
    """A text cell: in double quotes, inner quotes doubled, formulas defused with ``'``."""
    if text[:1] in _FORMULA_STARTS:
        text = "'" + text
    return '"' + text.replace('"', '""') + '"'


class _Words(dict[str, str]):
    """Stored value -> quoted words; an unknown value is shown as it is."""

    def __missing__(self, key: str) -> str:
        return quoted(key)


def utc_offsets(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, int]]:
    """``(from UTC moment, offset hours)`` of Belgian time between ``start`` and ``end``."""
    def offset(moment: dt.datetime) -> int:
        delta = moment.replace(tzinfo=dt.UTC).astimezone(LOCAL_ZONE).utcoffset()
        return int(delta.total_seconds() // 3600) if delta else 0

    changes = [(dt.datetime.min, offset(start))]
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day <= end:
        following = day + dt.timedelta(days=1)
        if offset(following) != offset(day):
            hour = day
            while offset(hour) == offset(day):
                hour += dt.timedelta(hours=1)
            changes.append((hour, offset(hour)))
        day = following
    return changes


def _local_time(column: str, start: dt.datetime, end: dt.datetime) -> tuple[str, list[Any]]:
    if is_postgres():
        return (f"to_char(({column} AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Brussels', "
                "'YYYY-MM-DD HH24:MI:SS')"), []
    # SQLite has no time zones: shift by the offset in force, found from the transitions of
    # the exported period (two per year), compared as ISO text like the stored values.
    p = database.obj.param
    changes = utc_offsets(start, end)
    whens: list[str] = []
    params: list[Any] = []
    for (_moment, hours), (following, _next) in itertools.pairwise(changes):
        whens.append(f"WHEN {column} < {p} THEN {p}")
        params += [following.isoformat(" "), f"{hours:+d} hours"]
    params.append(f"{changes[-1][1]:+d} hours")
    shift = f"CASE {' '.join(whens)} ELSE {p} END" if whens else p
    return f"datetime({column}, {shift})", params


def export_query(wallet_id: int, filters: TransactionFilter) -> tuple[str, list[Any]]:
    """The SQL and parameters of the export's rows, oldest first."""
    T = WalletTransaction
    where = conditions(wallet_id, filters)
    bounds = T.select(peewee.fn.MIN(T.created_at), peewee.fn.MAX(T.created_at)).where(*where).tuples().first()
    start = bounds[0] if bounds and bounds[0] else dt.datetime(2000, 1, 1)
    end = bounds[1] if bounds and bounds[1] else start
    date_sql, date_params = _local_time("created_at", start, end)
    query = (
        T.select(T.number, peewee.SQL(date_sql, date_params), T.kind, T.tool, T.description, T.amount,
                 T.status, T.balance_before, T.balance_after, T.failure_reason, T.reference)
        .where(*where).order_by(T.created_at, T.id)
    )
    sql, params = query.sql()
    return sql, list(params)


def _lines(rows: Iterable[tuple[Any, ...]], tool_titles: dict[str, str]) -> Iterator[str]:
    kinds = _Words({k: quoted(kind_label(k)) for k in KINDS})
    statuses = _Words({s: quoted(status_label(s)) for s in STATUSES})
    reasons = _Words({r: quoted(_(label)) for r, label in REASON_LABELS.items()} | {"": '""'})
    tools = _Words({name: quoted(title) for name, title in tool_titles.items()} | {"": '""'})
    for number, moment, kind, tool, text, amount, status, before, after, reason, reference in rows:
        yield (f"{'' if number is None else number};{moment};{kinds[kind]};{tools[tool]};{quoted(text)};"
               f"{cents(amount)};{statuses[status]};{cents(before)};{cents(after)};{reasons[reason]};"
               f"{quoted(reference)}\r\n")


def write_csv(out: TextIO, wallet_id: int, filters: TransactionFilter, tool_titles: dict[str, str]) -> None:
    """Write the header and every matching row to ``out`` (a text stream opened with ``newline=""``)."""
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([_(title) for title in COLUMNS])
    sql, params = export_query(wallet_id, filters)
    db = database.obj
    if is_postgres():
        # A server-side cursor: PostgreSQL sends the rows in batches instead of all at once
        # (peewee keeps psycopg in autocommit mode, so the cursor is declared in SQL).
        with db.atomic():
            db.execute_sql(f"DECLARE wallet_export NO SCROLL CURSOR FOR {sql}", params)
            while batch := db.execute_sql(f"FETCH FORWARD {_BATCH} FROM wallet_export").fetchall():
                out.writelines(_lines(batch, tool_titles))
            db.execute_sql("CLOSE wallet_export")
    else:
        out.writelines(_lines(db.execute_sql(sql, params), tool_titles))  # SQLite steps lazily


def safe_name(text: str) -> str:
    """``text`` usable as one path component."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "user"
