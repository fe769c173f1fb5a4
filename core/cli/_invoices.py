"""``immo-connect invoices``: issue a month's invoices (for the scheduler), list them."""

from __future__ import annotations

import argparse

from immo_connect.cli._common import platform_from, table
from immo_connect.i18n import _


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("invoices", help=_("monthly invoices of tool use (PDF and Peppol UBL)"))
    actions = parser.add_subparsers(dest="invoices_command", metavar="ACTION", required=True)
    run = actions.add_parser("run", help=_("issue and deliver a month's invoices (idempotent: run it again safely)"))
    run.add_argument("--month", metavar="YYYY-MM", help=_("the month to invoice (default: the last month that is over)"))
    run.set_defaults(func=run_run)
    listing = actions.add_parser("list", help=_("the invoices and credit notes of a month"))
    listing.add_argument("--month", metavar="YYYY-MM", required=True)
    listing.set_defaults(func=run_list)


def run_run(args: argparse.Namespace) -> int:
    platform = platform_from(args)
    report = platform.invoices.run(args.month)
    print(_("{month}: issued {issued}, already issued {already}, delivered {delivered}.").format(
        month=report.month, issued=len(report.issued), already=report.already, delivered=report.delivered))
    for number in report.issued:
        print(number)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from immo_connect.formatting import money
    from immo_connect.invoices.models import KIND_CREDIT_NOTE, Invoice
    from immo_connect.organisations.models import Organisation

    platform_from(args)
    rows = [[str(invoice.number), _("Credit note") if invoice.kind == KIND_CREDIT_NOTE else _("Invoice"), str(invoice.organisation.enterprise_number),
             str(invoice.organisation.name), money(int(invoice.total_cents)),
             _("yes") if invoice.delivered_at else _("no")]
            for invoice in Invoice.select(Invoice, Organisation).join(Organisation)
            .where(Invoice.month == args.month).order_by(Invoice.year, Invoice.sequence)]
    print(table(rows, [_("NUMBER"), _("KIND"), _("ENTERPRISE"), _("ORGANISATION"), _("TOTAL"), _("DELIVERED")])
          if rows else _("No invoice for {month}.").format(month=args.month))
    return 0
