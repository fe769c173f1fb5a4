"""CSV export of a wallet's history, streamed in batches with constant memory.

The file is made for Excel in a Belgian locale (see docs/wallet.md): UTF-8 with a byte order
mark (without it Excel reads UTF-8 as Windows-1252 and breaks accents), ``;`` as separator
(Excel's list separator where the decimal separator is the comma), amounts with a decimal
comma and no thousands separator, dates as ``YYYY-MM-DD HH:MM:SS`` in Belgian local time
(the ISO form Excel reads as a date in every locale), text cells always quoted, and text
that a spreadsheet would run as a formula (``= + - @``) prefixed with ``'``.

Speed: a million rows are read in batches and each batch goes to the file as one write.
The export works on UTF-8 bytes from end to end, as SQLite stores the text: SQLite hands its
text over as bytes (nothing to decode) and the lines go to the file as they are (nothing to
encode); the row number arrives as text from the database. Per row the work is then a handful
of dictionary lookups and integer divisions, and facts of the data save the rest: rows come
oldest first, so the Belgian hour is converted once per UTC hour (Belgian offsets are whole
hours: minutes and seconds never change); balances chain (a row's balance before is usually
the previous row's balance after); amounts repeat (tools charge fixed prices), so their
text is kept in a small table; and the failure reason, empty on most rows, comes in one
column with the status (each column fetched costs about as much as formatting a cell).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Generator, Iterator, Sequence
from typing import Any, BinaryIO

import peewee

from immo_connect.accounts.models import Account
from immo_connect.i18n import N_, _
from immo_connect.organisations.models import Membership
from immo_connect.storage import database, is_postgres
from immo_connect.wallet._views import LOCAL_ZONE, TransactionFilter, conditions
from immo_connect.wallet.models import KIND_TOOL, STATUS_SUCCEEDED, Wallet, WalletTransaction
from immo_connect.wallet.shown import Viewer, by_text, names
from immo_connect.wallet.texts import kind_label, reason_label, status_label

COLUMNS: tuple[str, ...] = (
    N_("Number"), N_("Date"), N_("Type"), N_("Tool"), N_("Description"), N_("By"), N_("Amount (EUR)"),
    N_("Status"), N_("Balance before (EUR)"), N_("Balance after (EUR)"), N_("Reason"),
    N_("Reference"),
)
_FORMULA_STARTS = frozenset("=+-@")  # a set: one hash lookup per cell
_FORMULA_BYTES = frozenset(start.encode() for start in _FORMULA_STARTS)
_BATCH = 5_000
_AMOUNTS_KEPT = 10_000  # distinct amounts whose text is remembered (bounded: constant memory)
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(100))
_TWO_DIGIT_BYTES = tuple(digits.encode() for digits in _TWO_DIGITS)
_NO_REFERENCE = b'""\r\n'
_CENTS_SEMICOLON = tuple(digits + b";" for digits in _TWO_DIGIT_BYTES)


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


def local_hour(moment: str) -> tuple[str, str, str]:
    """For the UTC time ``moment`` (ISO text): its hour in Belgium as ``YYYY-MM-DD HH``, and
    the bounds (ISO text) of the UTC hour it falls in."""
    start = dt.datetime.fromisoformat(moment[:13] + ":00:00")
    local = start.replace(tzinfo=dt.UTC).astimezone(LOCAL_ZONE)
    return local.strftime("%Y-%m-%d %H"), start.isoformat(" "), (start + dt.timedelta(hours=1)).isoformat(" ")


class _WhoOf(dict[object, bytes]):
    """The « Par » cell (closing the description) of the rows of one type: by the actor's id,
    or for rows without a person by their outcome (ids are ints, outcomes bytes). A row's
    « Par » is then one look-up, learned the first time a key appears."""

    def __init__(self, labels: _Labels, type_key: bytes) -> None:
        super().__init__()
        self.labels = labels
        self.type_key = type_key
        self.fixed = labels.by_kind.get(type_key)  # bank transfers and corrections: their own « Par »

    def __missing__(self, key: object) -> bytes:
        if self.fixed is not None:
            value = self.fixed
        elif isinstance(key, int):
            value = self.labels.person(key)
        else:
            assert isinstance(key, bytes)
            value = self.labels.no_person(self.type_key, key)
        self[key] = value
        return value


class _Labels:
    """The quoted words of one export by stored value (UTF-8 bytes), learned as values first
    appear (an unknown value, such as a tool no longer installed, shows as stored).

    Each is kept with the separators that surround it in a line (see ``_Lines.text``)."""

    def __init__(self, tool_titles: dict[str, str], known: dict[int, str] | None = None) -> None:
        self.tool_titles = tool_titles
        self.known = known or {}  # account id -> name, read before the rows (the members)
        # type_key -> (;"Type";"Tool";"  (opens the description), the type's « Par » cells)
        self.types: dict[bytes, tuple[bytes, _WhoOf]] = {}
        # outcome (the status, and the reason after a space when there is one) ->
        # ("Status";, "Reason";, "Reason";""CRLF (the line's end without a reference), succeeded)
        self.outcomes: dict[bytes, tuple[bytes, bytes, bytes, bool]] = {}
        # « Par », closing the description: kinds that are their own « Par », people by
        # account id, and rows without a person by (type, outcome).
        self.by_kind: dict[bytes, bytes] = {
            kind.encode(): ('";' + quoted(by_text(kind, None, "", "", {}))).encode()
            for kind in ("bank_transfer", "correction")
        }
        self.people: dict[int, bytes] = {}
        self.nobody: dict[tuple[bytes, bytes], bytes] = {}

    def person(self, actor: int) -> bytes:
        if actor not in self.people:
            # Members are known from the start; anyone else (a former member) is read once.
            name = self.known.get(actor) or names([actor]).get(actor, f"#{actor}")
            self.people[actor] = ('";' + quoted(name)).encode()
        return self.people[actor]

    def no_person(self, type_key: bytes, outcome: bytes) -> bytes:
        key = (type_key, outcome)
        if key not in self.nobody:
            _status, _space, reason = outcome.decode().partition(" ")
            self.nobody[key] = ('";' + quoted(by_text(type_key.decode(), None, "", reason, {}))).encode()
        return self.nobody[key]

    def learn(self, type_key: bytes, outcome: bytes) -> None:
        if type_key not in self.types:
            key = type_key.decode()
            tool = key[len("tool:"):] if key.startswith("tool:") else ""
            kind = KIND_TOOL if tool else key
            cells = f';{quoted(kind_label(kind))};{quoted(self.tool_titles.get(tool, tool))};"'
            self.types[type_key] = (cells.encode(), _WhoOf(self, type_key))
        if outcome not in self.outcomes:
            status, _space, reason = outcome.decode().partition(" ")
            reason_word = (quoted(reason_label(reason)) + ";").encode()
            self.outcomes[outcome] = ((quoted(status_label(status)) + ";").encode(), reason_word,
                                      reason_word + _NO_REFERENCE, status == STATUS_SUCCEEDED)


class _Lines:
    """Turns batches of rows into CSV bytes, remembering the current hour and last balance."""

    def __init__(self, labels: _Labels) -> None:
        self.labels = labels
        self.hour, self.hour_end = b"", b""
        self.last_after: int | None = -1
        self.last_after_text = b""
        self.amounts: dict[int, bytes] = {}
        self.whole_euros: dict[int, bytes] = {}  # balance // 100 -> b"1234," (bounded like amounts)

    def text(self, rows: Sequence[Sequence[Any]]) -> bytes:
        """The CSV lines of ``rows`` (see ``export_query``; text as UTF-8 bytes).

        A line is put together from eleven pieces that carry their separators, and a batch
        is joined once, because every piece costs time on a million rows::

            number | ;date hour | :MM:SS | ;"Type";"Tool";" | description | ";"By" | ";amount; |
            "Status"; | before; | after; | "Reason";"Reference"CRLF

        Per row, every word is one look-up in a table learned as values first appear: the
        type (with its « Par » by person), the outcome (status, reason, the line's end when
        there is no reference), the amount's text and the balance's euros.

        A failed or pending row moved nothing: its amount is 0 (the reason says why).

        cents() and quoted() are inlined for the common cells, for the same reason
        (tests/test_wallet_history.py checks the result against them).
        """
        types, outcomes = self.labels.types, self.labels.outcomes
        formula, q, qq = _FORMULA_BYTES, b'"', b'""'
        hour, hour_end = self.hour, self.hour_end
        last_after, last_after_text = self.last_after, self.last_after_text
        amounts, whole_euros, cents_semicolon = self.amounts, self.whole_euros, _CENTS_SEMICOLON
        if len(amounts) > _AMOUNTS_KEPT:
            amounts.clear()
        if len(whole_euros) > _AMOUNTS_KEPT:
            whole_euros.clear()
        pieces: list[bytes] = []
        add = pieces.extend
        # Subscripts, not .get(): an operator costs less than a method call, and misses are rare.
        for (number, moment, type_key, stored_text, actor, amount, outcome, before, after,
             stored_reference) in rows:
            if not moment < hour_end:  # oldest first: never before the current hour's start
                local, _start, end = local_hour(moment.decode())
                hour, hour_end = f";{local}".encode(), end.encode()
            before_text = last_after_text if before == last_after else cents(before).encode() + b";"
            if after is None:
                last_after_text = b";"
            elif after >= 0:  # the euros repeat from row to row: their text is kept, like amounts'
                try:
                    last_after_text = whole_euros[after // 100] + cents_semicolon[after % 100]
                except KeyError:
                    whole_euros[after // 100] = b"%d," % (after // 100)
                    last_after_text = whole_euros[after // 100] + cents_semicolon[after % 100]
            else:  # below zero after money was taken back
                last_after_text = cents(after).encode() + b";"
            last_after = after
            try:
                words, who_of = types[type_key]
                status_word, reason_word, reason_end, succeeded = outcomes[outcome]
            except KeyError:
                self.labels.learn(type_key, outcome)
                words, who_of = types[type_key]
                status_word, reason_word, reason_end, succeeded = outcomes[outcome]
            moved = amount if succeeded else 0  # failed or pending: nothing moved
            try:
                amount_text = amounts[moved]
            except KeyError:
                amount_text = amounts[moved] = f';{cents(moved)};'.encode()
            text = b"'" + stored_text if stored_text[:1] in formula else stored_text
            if q in text:
                text = text.replace(q, qq)
            if stored_reference:
                reason_end = reason_word + (quoted(stored_reference.decode()) + "\r\n").encode()
            add((number or b"", hour, moment[13:19], words, text,
                 who_of[outcome if actor is None else actor], amount_text, status_word,
                 before_text, last_after_text, reason_end))
        self.hour, self.hour_end = hour, hour_end
        self.last_after, self.last_after_text = last_after, last_after_text
        return b"".join(pieces)


def export_query(wallet_id: int, filters: TransactionFilter,
                 viewer: Viewer | None = None) -> tuple[str, list[Any]]:
    """The SQL and parameters of the export's rows, oldest first: the number as text, times
    as UTC ISO text, and the status with the failure reason in one column (``failed
    insufficient_funds``; the reason is empty on most rows, and every column fetched costs).

    For a ``viewer`` who may not see every confidential detail, the description column is
    the public one where the row is confidential to others (``shown.py``)."""
    T = WalletTransaction
    text: Any = T.description
    if viewer is not None and not viewer.is_manager:
        sees: Any = (T.public_description == "") | (T.actor_id == viewer.account_id)
        if viewer.tools:
            sees = sees | T.tool.in_(sorted(viewer.tools))
        text = peewee.Case(None, [(sees, T.description)], T.public_description)
    moment: Any = T.created_at
    if is_postgres():
        moment = peewee.fn.to_char(T.created_at, "YYYY-MM-DD HH24:MI:SS")
    outcome = peewee.Case(None, [(T.failure_reason == "", T.status)],
                          T.status.concat(" ").concat(T.failure_reason))
    query = (
        T.select(T.number.cast("TEXT"), moment, T.type_key, text, T.actor_id, T.amount, outcome,
                 T.balance_before, T.balance_after, T.reference)
        .where(*conditions(wallet_id, filters)).order_by(T.created_at, T.id)
    )
    sql, params = query.sql()
    return sql, list(params)


_TEXT_COLUMNS = (0, 1, 2, 3, 6, 9)


def _utf8(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """PostgreSQL's rows with their text as UTF-8 bytes, as SQLite hands them over."""
    return [tuple(value.encode() if index in _TEXT_COLUMNS and value is not None else value
                  for index, value in enumerate(row)) for row in rows]


@contextlib.contextmanager
def _text_as_bytes(connection: Any) -> Iterator[None]:
    """SQLite hands text over as UTF-8 bytes on ``connection`` while the block runs."""
    previous = connection.text_factory
    connection.text_factory = bytes
    try:
        yield
    finally:
        connection.text_factory = previous


def _batches(sql: str, params: list[Any]) -> Generator[Sequence[Sequence[Any]], None, None]:
    db = database.obj
    if is_postgres():
        # A server-side cursor: PostgreSQL sends the rows in batches instead of all at once
        # (peewee keeps psycopg in autocommit mode, so the cursor is declared in SQL).
        with db.atomic():
            db.execute_sql(f"DECLARE wallet_export NO SCROLL CURSOR FOR {sql}", params)
            while batch := db.execute_sql(f"FETCH FORWARD {_BATCH} FROM wallet_export").fetchall():
                yield _utf8(batch)
            db.execute_sql("CLOSE wallet_export")
    else:
        with _text_as_bytes(db.connection()):
            cursor = db.execute_sql(sql, params)  # SQLite steps lazily: fetchmany reads one batch
            while batch := cursor.fetchmany(_BATCH):
                yield batch


def member_names(wallet_id: int) -> dict[int, str]:
    """The names of the people of the wallet's organisation, in one query: the « Par » of
    nearly every row, so that the export reads no name per person it meets."""
    organisation = Wallet.select(Wallet.organisation).where(Wallet.id == wallet_id)
    people = (Account.select().join(Membership, on=(Membership.account == Account.id))
              .where(Membership.organisation.in_(organisation)))
    return {int(account.id): str(account.display_name) for account in people}


def write_csv(out: BinaryIO, wallet_id: int, filters: TransactionFilter, tool_titles: dict[str, str],
              viewer: Viewer | None = None) -> None:
    """Write the header and every matching row to the binary stream ``out``, in UTF-8, as
    ``viewer`` may see them (None: everything, for the operator)."""
    out.write((";".join(quoted(_(title)) for title in COLUMNS) + "\r\n").encode())
    lines = _Lines(_Labels(tool_titles, member_names(wallet_id)))
    with contextlib.closing(_batches(*export_query(wallet_id, filters, viewer))) as batches:
        for batch in batches:
            out.write(lines.text(batch))


def safe_name(text: str) -> str:
    """``text`` usable as one path component."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "user"
