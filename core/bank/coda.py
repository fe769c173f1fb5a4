"""CODA 2.x (Febelfin "coded statement of account"): fixed-width records of 128 characters.

Record order per account: ``0`` header, ``1`` old balance, then per movement ``2.1``
(optionally ``2.2``, ``2.3``) and ``3.x`` information, ``8`` new balance, ``4`` free
messages, ``9`` trailer; several such logical files may follow each other. Positions are
those of CODA 2.6 (see docs/payments.md). Amounts are 12 + 3 decimal digits, sign ``0``
credit / ``1`` debit, dates ``DDMMYY``.

A movement (sequence number, detail ``0000``) may come with details (same sequence, detail
number > 0); the first digit of each record's transaction code (its *type*) says what they
are (CODA 2.6, Annex II, "type"): ``1``/``2`` are amounts totalised by the customer / the
bank whose details (``5`` for 1; ``6`` or ``7`` for 2) are the individual transfers, each
with its payer's communication; ``3`` is a single amount whose details (``8``) only break
it down (charges, exchange); ``7`` is itself a single amount whose details (``9``) break it
down. :func:`_levels` turns each movement into the entries that carry money exactly once.

The parser never stops at a bad line: a line it cannot read is an entry with the problem
``unreadable`` and a problem of its account statement, which the import then refuses whole.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

from immo_connect.bank._entries import (
    AccountStatement,
    Statement,
    StatementEntry,
    find_communication,
    structured,
)
from immo_connect.i18n import _
from immo_connect.payments._money import euros

RECORD_LENGTH = 128
# R-transaction type of record 2.2 (position 113), CODA 2.6: 1 reject, 2 return, 3 refund,
# 4 reversal, 5 cancellation.
R_TYPES = {"1": "reject", "2": "return", "3": "refund", "4": "reversal", "5": "cancellation"}


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
    transaction_code: str
    structured_candidate: str | None
    free_text: list[str]
    counterparty_name: str = ""
    counterparty_iban: str = ""
    r_type: str = ""
    r_reason: str = ""
    problem: str = ""
    communication: tuple[str | None, str, str] | None = None  # read once, see _communication

    @property
    def signed(self) -> int:
        return (self.amount_cents or 0) * (1 if self.credit else -1)


@dataclasses.dataclass
class _State:
    summary: AccountStatement
    year: str = ""
    records: int = 0  # records 1, 2.x, 3.x and 8, for the trailer check
    credit_sum: int = 0  # milli-euros of detail-0000 movements, for the trailer check
    debit_sum: int = 0
    seen_new_balance: bool = False
    seen_trailer: bool = False

    @property
    def account(self) -> str:
        return self.summary.account

    @property
    def currency(self) -> str:
        return self.summary.currency


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


def _signed_cents(sign: str, text: str) -> int | None:
    cents = _cents(_milli(text))
    if cents is None or sign not in "01":
        return None
    return -cents if sign == "1" else cents


def _money(cents: int) -> str:
    return euros(cents)


def parse(text: str) -> Statement:
    """Read a CODA file (already decoded) into entries, account statements and warnings."""
    statement = Statement("coda")
    state: _State | None = None
    movements: list[_Movement] = []
    last: _Movement | None = None
    found: list[tuple[int, StatementEntry]] = []  # (line number, entry), sorted at the end

    def finish() -> None:
        if state is not None:
            found.extend(_entries(movements, state, len(statement.statements) - 1))
            state.summary.movement_credits = state.credit_sum // 10
            state.summary.movement_debits = state.debit_sum // 10
            if not state.seen_trailer:
                state.summary.problems.append(_("{position}: the statement has no trailer (record 9).").format(
                    position=state.summary.position))
            if not state.seen_new_balance:
                state.summary.problems.append(_("{position}: the statement has no new balance (record 8).").format(
                    position=state.summary.position))
        movements.clear()

    def current(number: int) -> _State:
        nonlocal state
        if state is None:  # records before any header: still one statement, reported as such
            state = _open(statement, number, "")
        return state

    for number, original in enumerate(text.splitlines(), start=1):
        if not original.strip():
            continue
        # Tools that strip trailing blanks shorten records; the blanks are put back.
        line = original.ljust(RECORD_LENGTH)
        kind = line[0]
        if len(original) > RECORD_LENGTH or kind not in "0123489":  # too long, or no record type
            here = current(number)
            found.append((number, _unreadable(here, _position(number), original,
                                              index=len(statement.statements) - 1)))
            here.summary.problems.append(_("{position}: this line is not a CODA record.").format(
                position=_position(number)))
            last = None
            continue
        if kind == "0":
            finish()
            state = _open(statement, number, line[9:11])
        elif kind == "1":
            here = current(number)
            here.records += 1
            _old_balance(line, here, statement, number)
        elif kind == "2":
            here = current(number)
            here.records += 1
            last = _movement_record(line, number, last, movements, here, statement)
        elif kind == "3":
            current(number).records += 1
        elif kind == "8":
            here = current(number)
            here.records += 1
            _new_balance(line, here, number)
        elif kind == "9":
            here = current(number)
            _trailer(line, here, number)
            finish()
            state = None
            last = None
    finish()
    statement.entries = [entry for _number, entry in sorted(found, key=lambda pair: pair[0])]
    return statement


def _open(statement: Statement, number: int, year: str) -> _State:
    summary = AccountStatement("coda", _position(number))
    statement.statements.append(summary)
    return _State(summary=summary, year=year)


def _unreadable(state: _State, position: str, raw: str, *, index: int, credit: bool = True) -> StatementEntry:
    return StatementEntry(
        format="coda", account=state.account, reference="", position=position, credit=credit,
        amount_cents=None, currency=state.currency, problem="unreadable", raw=raw, statement=index,
    )


def _old_balance(line: str, state: _State, statement: Statement, number: int) -> None:
    structure = line[1]
    summary = state.summary
    if structure in "23":  # IBAN: positions 6–36 (+ extension), currency 40–42
        summary.account, summary.currency = line[5:39].split(" ", maxsplit=1)[0].strip(), line[39:42]
    elif structure in "01":
        summary.account, summary.currency = line[5:17].strip(), line[18:21]
    else:
        summary.problems.append(
            _("{position}: unknown account structure {structure!r}.").format(
                position=_position(number), structure=structure)
        )
    summary.opening_cents = _signed_cents(line[42], line[43:58])
    summary.opening_date = _date(line[58:64])
    if summary.opening_cents is None:
        summary.problems.append(_("{position}: the old balance cannot be read.").format(position=_position(number)))
    sequence = line[125:128]
    summary.label = sequence.strip() or line[2:5].strip()
    summary.sequence = int(sequence) if sequence.isdigit() else None
    summary.year = 2000 + int(state.year) if state.year.isdigit() else None
    if summary.account and summary.account not in statement.accounts:
        statement.accounts.append(summary.account)


def _new_balance(line: str, state: _State, number: int) -> None:
    summary = state.summary
    state.seen_new_balance = True
    summary.closing_cents = _signed_cents(line[41], line[42:57])
    summary.closing_date = _date(line[57:63])
    if summary.closing_cents is None:
        summary.problems.append(_("{position}: the new balance cannot be read.").format(position=_position(number)))


def _movement_record(
    line: str, number: int, last: _Movement | None, movements: list[_Movement], state: _State,
    statement: Statement,
) -> _Movement | None:
    part = line[1]
    if part == "1":
        movement = _movement(line, number, _position(number))
        movements.append(movement)
        if movement.detail == "0000" and movement.problem == "" and movement.amount_cents is not None:
            if movement.credit:
                state.credit_sum += movement.amount_cents * 10
            else:
                state.debit_sum += movement.amount_cents * 10
        return movement
    if last is None or line[2:10] != last.sequence + last.detail:
        statement.warnings.append(
            _("{position}: record 2.{part} without its record 2.1.").format(position=_position(number), part=part)
        )
        return last
    last.raw.append(line)
    if part == "2":
        last.free_text.append(line[10:63])
        if line[112] in R_TYPES:
            last.r_type, last.r_reason = R_TYPES[line[112]], line[113:117].strip()
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
        transaction_type=line[53], transaction_code=line[54:58], structured_candidate=candidate,
        free_text=[] if candidate is not None else [communication], problem=problem,
    )


def _communication(m: _Movement) -> tuple[str | None, str, str]:
    """``(twelve digits | None, problem, text as written)`` of one movement record."""
    if m.communication is None:
        if m.structured_candidate is not None:
            digits, problem = structured(m.structured_candidate)
            m.communication = (digits, problem, m.structured_candidate)
        else:
            free = " ".join(t.strip() for t in m.free_text if t.strip())
            digits, problem = find_communication(free)
            m.communication = (digits, problem, free)
    return m.communication


@dataclasses.dataclass
class _Level:
    """A record that carries money, with the records that only break it down."""

    movement: _Movement
    breakdown: list[_Movement]


def _levels(group: list[_Movement], state: _State) -> list[_Level]:
    """The records of one movement (same sequence number) that carry its money, once.

    CODA 2.6 Annex II (type of the transaction code): a total of type 1 or 2 is credited
    through its details of type 5, 6 or 7 when the details carry communications (each is
    one payer's transfer) — the total otherwise; a detail of type 7 and a movement of type
    0 or 3 are credited themselves, their details (type 9, 8) only break them down.
    """
    top, details = group[0], group[1:]
    if top.detail != "0000":  # details whose movement is missing
        state.summary.problems.append(_("{position}: detail {detail} of movement {sequence} without its movement.")
                                      .format(position=top.position, detail=top.detail, sequence=top.sequence))
        return [_Level(m, []) for m in group]
    if top.transaction_type not in "12" or not details:
        return [_Level(top, details)]
    children: list[_Level] = []
    for detail in details:
        if detail.transaction_type in "567" or not children:
            children.append(_Level(detail, []))
        else:  # type 9 (detail of 7), or a breakdown line inside the batch
            children[-1].breakdown.append(detail)
    total = sum(c.movement.signed for c in children)
    if all(c.movement.amount_cents is not None for c in children) and total != top.signed:
        state.summary.problems.append(
            _("{position}: the details of movement {sequence} add up to {details}, the movement says {total}.")
            .format(position=top.position, sequence=top.sequence, details=_money(total), total=_money(top.signed)))
    details_speak = any(_communication(c.movement)[0] or _communication(c.movement)[1] == "invalid_communication"
                        for c in children)
    if _communication(top)[0] is not None and not details_speak:
        # Only the total carries a communication: the batch is one payer's, credited whole.
        return [_Level(top, details)]
    return children


def _entries(movements: list[_Movement], state: _State, index: int) -> list[tuple[int, StatementEntry]]:
    groups: dict[str, list[_Movement]] = {}
    for m in movements:
        groups.setdefault(m.sequence, []).append(m)
    entries: list[tuple[int, StatementEntry]] = []
    summary = state.summary
    for group in groups.values():
        group.sort(key=lambda m: m.detail)
        for level in _levels(group, state):
            m = level.movement
            raw = "\n".join(line for record in (m, *level.breakdown) for line in record.raw)
            if m.problem:
                summary.problems.append(_("{position}: the amount or sign of this movement cannot be read.")
                                        .format(position=m.position))
                # Only a readable debit sign makes it certain that no money came in.
                entries.append((m.number, _unreadable(state, m.position, raw, index=index, credit=m.credit)))
                continue
            communication, problem, text = _communication(m)
            if communication is None and problem == "no_communication" and level.breakdown:
                communication, problem, text = _from_breakdown(level.breakdown, problem, text)
            reference = m.bank_reference or f"{state.year}/{summary.label}/{m.sequence}"
            if m.detail != "0000":
                reference += f"/{m.detail}"
            entries.append((m.number, StatementEntry(
                format="coda", account=state.account, reference=reference, position=m.position,
                credit=m.credit, amount_cents=m.amount_cents, currency=state.currency,
                booking_date=m.booking_date or m.value_date, value_date=m.value_date,
                communication=communication, communication_text=text,
                counterparty_name=m.counterparty_name, counterparty_iban=m.counterparty_iban,
                problem=problem if state.currency == "EUR" else "currency", raw=raw, statement=index,
                transaction_code=m.transaction_code, returned=m.r_type, return_reason=m.r_reason,
            )))
    return entries


def _from_breakdown(breakdown: list[_Movement], problem: str, text: str) -> tuple[str | None, str, str]:
    """The payer's communication written only on the breakdown lines, when they agree on one."""
    found = {digits for digits, _problem, _text in map(_communication, breakdown) if digits}
    if len(found) == 1:
        digits = found.pop()
        return digits, "", digits
    return None, problem, text


def _trailer(line: str, state: _State, number: int) -> None:
    count = line[16:22]
    debits, credits = _milli(line[22:37]), _milli(line[37:52])
    position = _position(number)
    summary = state.summary
    state.seen_trailer = True
    summary.declared_debits = _cents(debits)
    summary.declared_credits = _cents(credits)
    if not count.isdigit() or int(count) != state.records:
        summary.problems.append(
            _("{position}: the trailer counts {count} records, the file has {found}.").format(
                position=position, count=count.strip() or "?", found=state.records)
        )
    if summary.declared_credits is None or summary.declared_debits is None:
        summary.problems.append(_("{position}: the trailer's totals cannot be read.").format(position=position))
