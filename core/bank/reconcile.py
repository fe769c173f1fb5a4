"""Checking a statement before anything of it is credited, and the chain of statements.

:func:`problems` compares what a statement says it moved with what the import would do:
the old balance plus the booked movements gives the new balance; the totals the bank
declares (CODA record 9, camt.053 ``TxsSummry``) are those of the movements read; and the
entries the import credits, keeps in suspense or ignores add up to the same movements
(a globalised movement's details to their total — checked by the parsers). Any difference
refuses the file whole.

:func:`gaps` walks the statements already imported for an account: each one's opening
balance must be the previous one's closing balance and its sequence number the next one.
A gap stays reported until the missing statement is imported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

from immo_connect.bank._entries import AccountStatement, Statement, iban_of
from immo_connect.bank.models import AccountStatementRow
from immo_connect.formats import iban as iban_format
from immo_connect.i18n import _
from immo_connect.payments._money import euros


def problems(statement: Statement, index: int) -> list[str]:
    """Why the account statement ``index`` of ``statement`` cannot be trusted; empty when it reconciles."""
    summary = statement.statements[index]
    found = list(summary.problems)
    where = summary.position
    moved = summary.movement_credits - summary.movement_debits
    if summary.opening_cents is None or summary.closing_cents is None:
        if not found:
            found.append(_("{where}: the statement gives no old or no new balance.").format(where=where))
    elif summary.opening_cents + moved != summary.closing_cents:
        found.append(
            _("{where}: the old balance {opening} and the movements ({moved}) give {expected}, "
              "but the new balance is {closing}.").format(
                where=where, opening=euros(summary.opening_cents), moved=euros(moved),
                expected=euros(summary.opening_cents + moved), closing=euros(summary.closing_cents)))
    for declared, read, text in (
        (summary.declared_credits, summary.movement_credits,
         _("{where}: the statement declares {declared} of credits, its movements add up to {read}.")),
        (summary.declared_debits, summary.movement_debits,
         _("{where}: the statement declares {declared} of debits, its movements add up to {read}.")),
    ):
        if declared is not None and declared != read:
            found.append(text.format(where=where, declared=euros(declared), read=euros(read)))
    entries = [e for e in statement.entries if e.statement == index and e.booked]
    if all(e.amount_cents is not None for e in entries):
        net = sum((e.amount_cents or 0) * (1 if e.credit else -1) for e in entries)
        if net != moved:
            found.append(_("{where}: the lines to import add up to {net}, the movements to {moved}.").format(
                where=where, net=euros(net), moved=euros(moved)))
    return found


def statement_key(summary: AccountStatement) -> str:
    """What identifies a statement whichever format brings it."""
    account = iban_of(summary.account)
    if summary.sequence is not None and summary.year is not None:
        return f"{account}|{summary.year}|{summary.sequence:05d}"
    return f"{account}|{summary.closing_date}|{summary.opening_cents}|{summary.closing_cents}"


def same_statement(row: AccountStatementRow, summary: AccountStatement) -> bool:
    return (int(row.opening_cents), int(row.closing_cents)) == (summary.opening_cents, summary.closing_cents)


@dataclasses.dataclass(frozen=True)
class Gap:
    """Statements missing between two imported statements of one account."""

    account: str
    after: str  # label of the statement before the gap
    before: str  # label of the statement after it
    closing_cents: int  # what the first one ended with
    opening_cents: int  # what the next one started from
    after_date: dt.date | None
    before_date: dt.date | None

    def describe(self) -> str:
        account = iban_format.format_iban(self.account)
        if self.closing_cents != self.opening_cents:
            return _("{account}: between statement {after} ({after_date}, new balance {closing}) and statement "
                     "{before} ({before_date}, old balance {opening}) a statement is missing: {missing} of "
                     "movements are unaccounted for.").format(
                account=account, after=self.after, before=self.before,
                after_date=self.after_date or "?", before_date=self.before_date or "?",
                closing=euros(self.closing_cents), opening=euros(self.opening_cents),
                missing=euros(self.opening_cents - self.closing_cents))
        return _("{account}: statement {before} does not follow statement {after}: the statements between them "
                 "are missing.").format(account=account, after=self.after, before=self.before)


def _order(row: AccountStatementRow) -> tuple[dt.date, int, int, int]:
    return (row.closing_date or dt.date.min, row.year or 0, row.sequence or 0, int(row.id))


def _follows(previous: AccountStatementRow, row: AccountStatementRow) -> bool:
    if int(previous.closing_cents) != int(row.opening_cents):
        return False
    if previous.sequence is None or row.sequence is None:
        return True
    if row.year is not None and previous.year is not None and row.year > previous.year and row.sequence == 1:
        return True  # CODA numbers restart each year
    return int(row.sequence) == int(previous.sequence) + 1


def gaps(accounts: list[str] | None = None) -> list[Gap]:
    """The gaps in the chain of imported statements, per account (all accounts by default)."""
    query = AccountStatementRow.select()
    if accounts is not None:
        query = query.where(AccountStatementRow.account.in_(accounts))
    by_account: dict[str, list[AccountStatementRow]] = {}
    for row in query:
        by_account.setdefault(str(row.account), []).append(row)
    found: list[Gap] = []
    for account, rows in sorted(by_account.items()):
        rows.sort(key=_order)
        for previous, row in itertools.pairwise(rows):
            if not _follows(previous, row):
                found.append(Gap(account, str(previous.label), str(row.label), int(previous.closing_cents),
                                 int(row.opening_cents), previous.closing_date, row.opening_date))
    return found


def latest(account: str) -> AccountStatementRow | None:
    rows = sorted(AccountStatementRow.select().where(AccountStatementRow.account == account), key=_order)
    return rows[-1] if rows else None
