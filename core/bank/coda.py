"""CODA 2.x (Febelfin "coded statement of account"): fixed-width records of 128 characters.

Record order per account: ``0`` header, ``1`` old balance, then per movement ``2.1``
(optionally ``2.2``, ``2.3``) and ``3.x`` information, ``8`` new balance, ``4`` free
messages, ``9`` trailer; several such logical files may follow each other. Positions are
those of CODA 2.6 (see docs/payments.md). Amounts are 12 + 3 decimal digits, sign ``0``
credit / ``1`` debit, dates ``DDMMYY``.

The parser never stops at a bad line: a movement it cannot read becomes an entry with the
problem ``unreadable`` (kept in suspense by the import), anything else a warning.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

from immo_connect.bank._entries import Statement, StatementEntry, find_communication, structured
from immo_connect.i18n import _

RECORD_LENGTH = 128


@dataclasses.dataclass
class _Movement:
    """A 2.1 record and what its 2.2 / 2.3 add, before it becomes a StatementEntry."""

    number: int
    position: str
    raw: list[str]
    sequence: str
    detail: str
    bank_reference: str
    credit: bool
    amount_cents: int | None
    value_date: dt.date | None
    booking_date: dt.date | None
    transaction_type: str
    structured_candidate: str | None
    free_text: list[str]
    counterparty_name: str = ""
    counterparty_iban: str = ""
    problem: str = ""


@dataclasses.dataclass
class _State:
    account: str = ""
    currency: str = "EUR"
    coda_sequence: str = ""
    year: str = ""
    records: int = 0  # records 1, 2.x, 3.x and 8, for the trailer check
    credit_sum: int = 0  # milli-euros of detail-0000 credit movements, for the trailer check


@functools.lru_cache(maxsize=1024)
def _date(text: str) -> dt.date | None:
    """A ``DDMMYY`` date (20YY); None for zeros, blanks or an impossible date."""
    if not text.isdigit() or text == "000000":
        return None
    try:
        return dt.date(2000 + int(text[4:6]), int(text[2:4]), int(text[0:2]))
    except ValueError:
        return None


def _position(number: int) -> str:
    return _("line {number}").format(number=number)


def _milli(text: str) -> int | None:
    """A 15-digit CODA amount (3 decimals) in thousandths, or None when not digits."""
    if len(text) != 15 or not text.isdigit():
        return None
    return int(text)


def _cents(milli: int | None) -> int | None:
    # CODA carries three decimals; euro amounts always end in 0 — anything else is not a
    # transfer amount the platform can credit.
    if milli is None or milli % 10:
        return None
    return milli // 10


def parse(text: str) -> Statement:
    """Read a CODA file (already decoded) into entries and warnings."""
    statement = Statement("coda")
    state = _State()
    movements: list[_Movement] = []
    last: _Movement | None = None
    found: list[tuple[int, StatementEntry]] = []  # (line number, entry), sorted at the end

    def finish() -> None:
        found.extend(_entries(movements, state))
        movements.clear()

    for number, original in enumerate(text.splitlines(), start=1):
        if not original.strip():
            continue
        # Tools that strip trailing blanks shorten records; the blanks are put back.
        line = original.ljust(RECORD_LENGTH)
        kind = line[0]
        if len(original) > RECORD_LENGTH or kind not in "0123489":  # too long, or no record type
            found.append((number, _unreadable(state, _position(number), original)))
            last = None
            continue
        if kind == "0":
            finish()
            state = _State(year=line[9:11])
        elif kind == "1":
            state.records += 1
            _old_balance(line, state, statement, number)
        elif kind == "2":
            state.records += 1
            last = _movement_record(line, number, last, movements, state, statement)
        elif kind in {"3", "8"}:
            state.records += 1
        elif kind == "9":
            _trailer(line, state, statement, number)
            finish()
            last = None
    finish()
    statement.entries = [entry for _number, entry in sorted(found, key=lambda pair: pair[0])]
    return statement


def _unreadable(state: _State, position: str, raw: str, *, credit: bool = True) -> StatementEntry:
    return StatementEntry(
        format="coda", account=state.account, reference="", position=position, credit=credit,
        amount_cents=None, currency=state.currency, problem="unreadable", raw=raw,
    )


def _old_balance(line: str, state: _State, statement: Statement, number: int) -> None:
    structure = line[1]
    if structure in "23":  # IBAN: positions 6–36 (+ extension), currency 40–42
        state.account, state.currency = line[5:39].split(" ", maxsplit=1)[0].strip(), line[39:42]
    elif structure in "01":
        state.account, state.currency = line[5:17].strip(), line[18:21]
    else:
        statement.warnings.append(
            _("{position}: unknown account structure {structure!r}.").format(
                position=_position(number), structure=structure)
        )
    state.coda_sequence = line[125:128]
    if state.account and state.account not in statement.accounts:
        statement.accounts.append(state.account)


def _movement_record(
    line: str, number: int, last: _Movement | None, movements: list[_Movement], state: _State,
    statement: Statement,
) -> _Movement | None:
    part = line[1]
    if part == "1":
        movement = _movement(line, number, _position(number))
        movements.append(movement)
        if movement.problem == "" and movement.credit and movement.detail == "0000" and movement.amount_cents:
            state.credit_sum += movement.amount_cents * 10
        return movement
    if last is None or line[2:10] != last.sequence + last.detail:
        statement.warnings.append(
            _("{position}: record 2.{part} without its record 2.1.").format(position=_position(number), part=part)
        )
        return last
    last.raw.append(line)
    if part == "2":
        last.free_text.append(line[10:63])
    elif part == "3":
        last.counterparty_iban = line[10:44].strip()
        last.counterparty_name = line[47:82].strip()
        last.free_text.append(line[82:125])
    else:
        statement.warnings.append(
            _("{position}: unknown movement record 2.{part}.").format(position=_position(number), part=part)
        )
    return last


def _movement(line: str, number: int, position: str) -> _Movement:
    sign, milli = line[31], _milli(line[32:47])
    communication = line[62:115]
    candidate: str | None = None
    if line[61] == "1" and communication[:3] in ("101", "102"):
        candidate = communication[3:15]
    problem = ""
    if sign not in "01" or milli is None or _cents(milli) is None or not line[2:10].isdigit():
        problem = "unreadable"
    return _Movement(
        number=number, position=position, raw=[line], sequence=line[2:6], detail=line[6:10],
        bank_reference=line[10:31].strip(), credit=sign != "1", amount_cents=_cents(milli),
        value_date=_date(line[47:53]), booking_date=_date(line[115:121]),
        transaction_type=line[53], structured_candidate=candidate,
        free_text=[] if candidate is not None else [communication], problem=problem,
    )


def _entries(movements: list[_Movement], state: _State) -> list[tuple[int, StatementEntry]]:
    # A globalised movement (type 1 or 2) is followed by its details: credit the details,
    # not the total, so each payer's communication counts.
    with_details = {m.sequence for m in movements if m.detail != "0000"}
    entries: list[tuple[int, StatementEntry]] = []
    for m in movements:
        if m.detail == "0000" and m.sequence in with_details and m.transaction_type in "12":
            continue
        raw = "\n".join(m.raw)
        if m.problem:
            # Only a readable debit sign makes it certain that no money came in.
            entries.append((m.number, _unreadable(state, m.position, raw, credit=m.credit)))
            continue
        free = " ".join(t.strip() for t in m.free_text if t.strip())
        if m.structured_candidate is not None:
            communication, problem = structured(m.structured_candidate)
            text = m.structured_candidate
        else:
            communication, problem = find_communication(free)
            text = free
        reference = m.bank_reference or f"{state.year}/{state.coda_sequence}/{m.sequence}"
        if m.detail != "0000":
            reference += f"/{m.detail}"
        entries.append((m.number, StatementEntry(
            format="coda", account=state.account, reference=reference, position=m.position,
            credit=m.credit, amount_cents=m.amount_cents, currency=state.currency,
            booking_date=m.booking_date or m.value_date, value_date=m.value_date,
            communication=communication, communication_text=text,
            counterparty_name=m.counterparty_name, counterparty_iban=m.counterparty_iban,
            problem=problem if state.currency == "EUR" else "currency", raw=raw,
        )))
    return entries


def _trailer(line: str, state: _State, statement: Statement, number: int) -> None:
    count, credits = line[16:22], _milli(line[37:52])
    position = _position(number)
    if not count.isdigit() or int(count) != state.records:
        statement.warnings.append(
            _("{position}: the trailer counts {count} records, the file has {found}.").format(
                position=position, count=count.strip() or "?", found=state.records)
        )
    if credits is not None and credits != state.credit_sum:
        statement.warnings.append(
            _("{position}: the trailer's credit total {total} differs from the movements read ({found}).")
            .format(position=position, total=f"{credits / 1000:.2f}", found=f"{state.credit_sum / 1000:.2f}")
        )
