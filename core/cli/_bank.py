"""``immo-connect bank``: import bank statements and work through the suspense list."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import TextIO

from immo_connect.cli._common import add_operator_arguments, operator_id, platform_from, table
from immo_connect.i18n import _


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("bank", help=_("import bank statements (CODA, camt.053); suspense list"))
    commands = parser.add_subparsers(dest="bank_command", metavar="COMMAND", required=True)

    importing = commands.add_parser("import", help=_("credit the top-ups of a statement file (CODA or camt.053), as a finance operator"))
    importing.add_argument("file", metavar="FILE", help=_("the statement file as the bank delivered it"))
    importing.add_argument("--lines", action="store_true",
                           help=_("print every line of the statement with its outcome (default: a summary)"))
    add_operator_arguments(importing)
    importing.set_defaults(func=run_import)

    status = commands.add_parser("status", help=_("the last statement per account and the statements missing"))
    add_operator_arguments(status, reason=False)
    status.set_defaults(func=run_status)

    listing = commands.add_parser("suspense", help=_("list the bank entries waiting for an operator"))
    add_operator_arguments(listing, reason=False)
    listing.set_defaults(func=run_suspense)

    assigning = commands.add_parser("assign", help=_("credit a suspense entry to an organisation's wallet"))
    assigning.add_argument("entry", metavar="ID", type=int, help=_("the entry's id (see: bank suspense)"))
    assigning.add_argument("--organisation", metavar="N", required=True,
                           help=_("enterprise number (0123.456.789) or id of the organisation whose wallet receives it"))
    assigning.add_argument("--amount", metavar="EUR",
                           help=_("the amount, only for lines whose amount could not be read (e.g. 125,50)"))
    add_operator_arguments(assigning)
    assigning.set_defaults(func=run_assign)


def _money(cents: int | None) -> str:
    from immo_connect.payments._money import euros

    return "?" if cents is None else euros(cents)


def _progress(stream: TextIO) -> Callable[[int, int], None] | None:
    """A counter on the terminal (stderr), redrawn at most five times a second; None when not a terminal."""
    if not stream.isatty():
        return None
    from immo_connect.i18n import _

    shown = 0.0

    def show(done: int, total: int) -> None:
        nonlocal shown
        now = time.monotonic()
        if done < total and now - shown < 0.2:
            return
        shown = now
        stream.write("\r" + _("Importing: {done} / {total} lines").format(done=done, total=total))
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


def run_import(args: argparse.Namespace) -> int:
    from immo_connect.formats import iban
    from immo_connect.i18n import _

    platform = platform_from(args, source="cli")
    report = platform.operators.money.import_file(operator_id(args), args.file, args.reason,
                                                  progress=_progress(sys.stderr))
    words = {"credited": _("credited"), "suspense": _("suspense"), "returned": _("returned"),
             "duplicate": _("duplicate"), "ignored": _("ignored")}
    print(_("{file} ({format}):").format(file=report.filename, format=report.format.upper()))
    for statement in report.statements:
        print(_("Statement {label} of {account} ({date}): {opening} → {closing}, reconciled.").format(
            label=statement.label or "?", account=iban.format_iban(statement.account), date=statement.closing_date,
            opening=_money(statement.opening_cents), closing=_money(statement.closing_cents)))
    if args.lines and report.lines:
        rows = [
            [line.position, words[line.outcome], _money(line.amount_cents if line.credit or line.amount_cents is None
                                                        else -line.amount_cents),
             line.communication or "—", line.organisation or line.reason,
             "" if line.entry_id is None else str(line.entry_id)]
            for line in report.lines
        ]
        print(table(rows, [_("WHERE"), _("RESULT"), _("AMOUNT"), _("COMMUNICATION"), _("WALLET / REASON"),
                           _("ENTRY")]))
    summary = [[words[o], str(report.count(o)), _money(report.total(o))]
               for o in ("credited", "suspense", "returned", "duplicate", "ignored") if report.count(o)]
    if summary:
        print(table(summary, [_("RESULT"), _("LINES"), _("AMOUNT")]))
    for skipped in report.skipped:
        print(_("Skipped: {text}").format(text=skipped))
    for gap in report.gaps:
        print(_("Missing statement: {text}").format(text=gap))
    for warning in report.warnings:
        print(_("Warning: {text}").format(text=warning))
    print(_("Credited: {credited}, in suspense: {suspense}, already imported: {duplicate}, ignored: {ignored}.")
          .format(**{o: report.count(o) for o in ("credited", "suspense", "duplicate", "ignored")}))
    if report.count("returned"):
        print(_("Returned or recalled transfers taken back from wallets: {count}.").format(
            count=report.count("returned")))
    if report.count("suspense"):
        print(_("Assign the suspense entries with: immo-connect bank assign ID --organisation N --as USERNAME --reason TEXT"))
    return 0


def run_status(args: argparse.Namespace) -> int:
    from immo_connect.formats import iban
    from immo_connect.i18n import _

    platform = platform_from(args, source="cli")
    latest, gaps = platform.operators.money.reconciliation(operator_id(args))
    if not latest:
        print(_("No statement has been imported yet."))
        return 0
    rows = [[iban.format_iban(str(row.account)), str(row.label) or "?",
             row.closing_date.isoformat() if row.closing_date else "?", _money(int(row.closing_cents))]
            for row in latest]
    print(table(rows, [_("ACCOUNT"), _("LAST STATEMENT"), _("DATE"), _("NEW BALANCE")]))
    if not gaps:
        print(_("No statement is missing."))
    for gap in gaps:
        print(_("Missing statement: {text}").format(text=gap.describe()))
    return 0


def run_suspense(args: argparse.Namespace) -> int:
    from immo_connect.bank import PROBLEMS
    from immo_connect.formats import ogm
    from immo_connect.i18n import _

    platform = platform_from(args, source="cli")
    rows = [
        [str(e.id), e.booking_date.isoformat() if e.booking_date else "?", _money(e.amount_cents),
         ogm.format_ogm(e.communication) if e.communication else (e.communication_text[:40] or "—"),
         e.counterparty_name[:30] or "—", _(PROBLEMS.get(e.problem, e.problem))]
        for e in platform.operators.money.suspense(operator_id(args))
    ]
    if not rows:
        print(_("The suspense list is empty."))
        return 0
    print(table(rows, [_("ID"), _("BOOKED"), _("AMOUNT"), _("COMMUNICATION"), _("FROM"), _("REASON")]))
    return 0


def run_assign(args: argparse.Namespace) -> int:
    from immo_connect.i18n import _
    from immo_connect.payments._money import parse_amount

    amount = parse_amount(args.amount) if args.amount is not None else None
    platform = platform_from(args, source="cli")
    entry = platform.operators.money.assign_typed(operator_id(args), args.entry, args.organisation, args.reason,
                                                  amount_cents=amount)
    print(_("Entry {id}: {amount} credited to the wallet of organisation {organisation}.").format(
        id=entry.id, amount=_money(entry.amount_cents), organisation=entry.organisation_id))
    return 0
