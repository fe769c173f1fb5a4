"""CSV export of a wallet's history, streamed row by row with constant memory.

The file is made for Excel in a Belgian locale (see docs/wallet.md): UTF-8 with a byte order
mark (without it Excel reads UTF-8 as Windows-1252 and breaks accents and the euro sign),
``;`` as separator (Excel's list separator where the decimal separator is the comma), amounts
with a decimal comma and no thousands separator, dates as ``DD/MM/YYYY HH:MM:SS`` in Belgian
local time, and text cells that could be read as a formula (``= + - @``) prefixed with ``'``.

All formatting happens in the database's own SQL (the same result on SQLite and
PostgreSQL), and the rows go straight from the database cursor into :mod:`csv`'s C writer:
the export keeps no rows in memory and costs little more than the database reading them.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
from collections.abc import Sequence
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


def _cents(column: str) -> str:
    """SQL text of ``column`` (cents) as ``-1234,56``; empty when NULL."""
    sign = f"CASE WHEN {column} < 0 THEN '-' ELSE '' END"
    if is_postgres():
        # mod() rather than %: psycopg reads % as a placeholder.
        body = (f"{sign} || (abs({column}) / 100)::text || ',' || "
                f"lpad(mod(abs({column}), 100)::text, 2, '0')")
    else:
        body = f"printf('%s%d,%02d', {sign}, abs({column}) / 100, abs({column}) % 100)"
    return f"CASE WHEN {column} IS NULL THEN '' ELSE {body} END"


def _text(column: str) -> str:
    """``column`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    starts = ", ".join(f"'{c}'" for c in _FORMULA_STARTS)
    return f"CASE WHEN substr({column}, 1, 1) IN ({starts}) THEN '''' || {column} ELSE {column} END"


def _labels(column: str, labels: Sequence[tuple[str, str]]) -> tuple[str, list[str]]:
    """A CASE mapping stored values to words (passed as parameters)."""
    if not labels:
        return column, []
    p = database.obj.param
    whens = " ".join(f"WHEN {p} THEN {p}" for _pair in labels)
    params = [item for pair in labels for item in pair]
    return f"CASE {column} {whens} ELSE {column} END", params


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
                "'DD/MM/YYYY HH24:MI:SS')"), []
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
    return f"strftime('%d/%m/%Y %H:%M:%S', {column}, {shift})", params


def export_query(wallet_id: int, filters: TransactionFilter, tool_titles: dict[str, str]) -> tuple[str, list[Any]]:
    """The SQL and parameters of the export: one text cell per column, oldest first."""
    T = WalletTransaction
    where = conditions(wallet_id, filters)
    bounds = T.select(peewee.fn.MIN(T.created_at), peewee.fn.MAX(T.created_at)).where(*where).tuples().first()
    start = bounds[0] if bounds and bounds[0] else dt.datetime(2000, 1, 1)
    end = bounds[1] if bounds and bounds[1] else start
    date_sql, date_params = _local_time("created_at", start, end)
    type_sql, type_params = _labels("kind", [(k, kind_label(k)) for k in KINDS])
    tool_sql, tool_params = _labels("tool", sorted(tool_titles.items()))
    status_sql, status_params = _labels("status", [(s, status_label(s)) for s in STATUSES])
    reason_sql, reason_params = _labels("failure_reason", [(r, _(label)) for r, label in REASON_LABELS.items()])
    columns = [
        (peewee.SQL("number"), []),
        (date_sql, date_params), (type_sql, type_params), (tool_sql, tool_params),
        (_text("description"), []), (_cents("amount"), []), (status_sql, status_params),
        (_cents("balance_before"), []), (_cents("balance_after"), []), (reason_sql, reason_params),
        (_text("reference"), []),
    ]
    selected = [c if isinstance(c, peewee.SQL) else peewee.SQL(c, p) for c, p in columns]
    query = T.select(*selected).where(*where).order_by(T.created_at, T.id)
    sql, params = query.sql()
    return sql, list(params)


def write_csv(out: TextIO, wallet_id: int, filters: TransactionFilter, tool_titles: dict[str, str]) -> None:
    """Write the header and every matching row to ``out`` (a text stream opened with ``newline=""``)."""
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([_(title) for title in COLUMNS])
    sql, params = export_query(wallet_id, filters, tool_titles)
    db = database.obj
    if is_postgres():
        # A server-side cursor: PostgreSQL sends the rows in batches instead of all at once
        # (peewee keeps psycopg in autocommit mode, so the cursor is declared in SQL).
        with db.atomic():
            db.execute_sql(f"DECLARE wallet_export NO SCROLL CURSOR FOR {sql}", params)
            while True:
                batch = db.execute_sql("FETCH FORWARD 5000 FROM wallet_export").fetchall()
                if not batch:
                    break
                writer.writerows(batch)
            db.execute_sql("CLOSE wallet_export")
    else:
        writer.writerows(db.execute_sql(sql, params))


def safe_name(text: str) -> str:
    """``text`` usable as one path component."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "user"
