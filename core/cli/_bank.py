"""``immo-connect bank``: import bank statements and work through the suspense list."""

from __future__ import annotations

import argparse
import getpass

from immo_connect.cli._common import platform_from, table


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("bank", help="import bank statements (CODA, camt.053); suspense list")
    commands = parser.add_subparsers(dest="bank_command", metavar="COMMAND", required=True)

    importing = commands.add_parser("import", help="credit the top-ups of a statement file (CODA or camt.053)")
    importing.add_argument("file", metavar="FILE", help="the statement file as the bank delivered it")
    importing.add_argument("--operator", help="your name for the audit log (default: the system user)")
    importing.set_defaults(func=run_import)

    listing = commands.add_parser("suspense", help="list the bank entries waiting for an operator")
    listing.set_defaults(func=run_suspense)

    assigning = commands.add_parser("assign", help="credit a suspense entry to an organisation's wallet")
    assigning.add_argument("entry", metavar="ID", type=int, help="the entry's id (see: bank suspense)")
    assigning.add_argument("--organisation", metavar="N", type=int, required=True,
                           help="id of the organisation whose wallet receives the money")
    assigning.add_argument("--amount", metavar="EUR",
                           help="the amount, only for lines whose amount could not be read (e.g. 125,50)")
    assigning.add_argument("--operator", help="your name for the audit log (default: the system user)")
    assigning.set_defaults(func=run_assign)


def _operator(args: argparse.Namespace) -> str:
    if args.operator:
        return str(args.operator)
    try:
        return f"operator:{getpass.getuser()}"
    except (KeyError, OSError):
        return "operator"


def _money(cents: int | None) -> str:
    from immo_connect.payments._money import euros

    return "?" if cents is None else euros(cents)


def run_import(args: argparse.Namespace) -> int:
    from immo_connect.i18n import _

    platform = platform_from(args)
    report = platform.bank.import_file(args.file, operator=_operator(args))
    words = {"credited": _("credited"), "suspense": _("suspense"), "duplicate": _("duplicate"),
             "ignored": _("ignored")}
    rows = [
        [line.position, words[line.outcome], _money(line.amount_cents), line.communication or "—",
         line.organisation or line.reason, "" if line.entry_id is None else str(line.entry_id)]
        for line in report.lines
    ]
    print(_("{file} ({format}):").format(file=report.filename, format=report.format.upper()))
    if rows:
        print(table(rows, [_("WHERE"), _("RESULT"), _("AMOUNT"), _("COMMUNICATION"), _("WALLET / REASON"),
                           _("ENTRY")]))
    for warning in report.warnings:
        print(_("Warning: {text}").format(text=warning))
    print(_("Credited: {credited}, in suspense: {suspense}, already imported: {duplicate}, ignored: {ignored}.")
          .format(**{o: report.count(o) for o in ("credited", "suspense", "duplicate", "ignored")}))
    if report.count("suspense"):
        print(_("Assign the suspense entries with: immo-connect bank assign ID --organisation N"))
    return 0


def run_suspense(args: argparse.Namespace) -> int:
    from immo_connect.bank import PROBLEMS
    from immo_connect.formats import ogm
    from immo_connect.i18n import _

    platform = platform_from(args)
    rows = [
        [str(e.id), e.booking_date.isoformat() if e.booking_date else "?", _money(e.amount_cents),
         ogm.format_ogm(e.communication) if e.communication else (e.communication_text[:40] or "—"),
         e.counterparty_name[:30] or "—", _(PROBLEMS.get(e.problem, e.problem))]
        for e in platform.bank.suspense()
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
    platform = platform_from(args)
    entry = platform.bank.assign(args.entry, args.organisation, operator=_operator(args), amount_cents=amount)
    print(_("Entry {id}: {amount} credited to the wallet of organisation {organisation}.").format(
        id=entry.id, amount=_money(entry.amount_cents), organisation=entry.organisation_id))
    return 0
