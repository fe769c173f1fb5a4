"""``immo-connect wallet``: an operator's view of wallets and the ledger check."""

from __future__ import annotations

import argparse

from immo_connect.cli._common import add_operator_arguments, operator_id, platform_from, table
from immo_connect.i18n import _


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("wallet", help=_("wallets: balances, ledger check, corrections"))
    actions = parser.add_subparsers(dest="wallet_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help=_("balance and structured communication of one organisation's wallet"))
    show.add_argument("organisation", help=_("enterprise number (0123.456.789) or organisation id"))
    add_operator_arguments(show, reason=False)
    show.set_defaults(func=run_show)
    verify = actions.add_parser("verify", help=_("check the ledger's invariants (exit code 1 when broken)"))
    verify.set_defaults(func=run_verify)
    correct = actions.add_parser(
        "correct", help=_("book a correction (adds money, or takes it with --debit); above the approval limit "
                        "it waits for a second finance operator (immo-connect operators approve)"))
    correct.add_argument("organisation", help=_("enterprise number or organisation id"))
    correct.add_argument("amount", help=_("amount in euros, e.g. 12,50"))
    correct.add_argument("--as", dest="as_operator", metavar="USERNAME", required=True,
                         help=_("the finance operator asking (its role is checked)"))
    correct.add_argument("--description", required=True, help=_("why (shown in the wallet's history and the audit log)"))
    correct.add_argument("--key", required=True, help=_("idempotency key: the same key never books twice"))
    correct.add_argument("--reference", default="", help=_("ticket or document reference"))
    correct.add_argument("--debit", action="store_true", help=_("take the amount from the wallet"))
    correct.set_defaults(func=run_correct)


def organisation_id_from(text: str) -> int:
    from immo_connect.errors import NotFoundError
    from immo_connect.formats import enterprise
    from immo_connect.organisations.models import Organisation

    if text.isdigit() and len(text) < 9:
        found = Organisation.get_or_none(Organisation.id == int(text))
    else:
        found = Organisation.get_or_none(Organisation.enterprise_number == enterprise.validate(text))
    if found is None:
        raise NotFoundError(_("No organisation {organisation}.").format(organisation=text),
                            hint=_("Give its enterprise number or its id."))
    return int(found.id)


def run_show(args: argparse.Namespace) -> int:
    from immo_connect.formatting import money

    platform = platform_from(args, source="cli")
    shown = platform.operators.reading.wallet(operator_id(args), organisation_id_from(args.organisation))
    print(table([[str(shown.organisation_id), money(shown.balance_cents), str(shown.transactions),
                  shown.structured_communication]],
                [_("ORG"), _("BALANCE"), _("TRANSACTIONS"), _("STRUCTURED COMMUNICATION")]))
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from immo_connect.wallet.invariants import platform_accounts

    platform = platform_from(args)
    problems = platform.wallet.verify()
    for line in problems:
        print(line)
    totals = platform_accounts()
    print(table([[account, str(total)] for account, total in sorted(totals.items())], [_("ACCOUNT"), _("CENTS")])
          if totals else _("No postings yet."))
    print(_("The ledger is sound.") if not problems and sum(totals.values()) == 0 else _("The ledger has problems."))
    return 0 if not problems else 1


def run_correct(args: argparse.Namespace) -> int:
    from immo_connect.formatting import money
    from immo_connect.wallet.forms import parse_euros
    from immo_connect.wallet.models import WalletTransaction
    from immo_connect.wallet.texts import status_label

    platform = platform_from(args, source="cli")
    organisation_id = organisation_id_from(args.organisation)
    request = platform.operators.money.request(
        operator_id(args), organisation_id, "debit" if args.debit else "credit", parse_euros(args.amount),
        args.description, reference=args.reference, client_key=args.key)
    if request.status == "pending":
        print(_("Request {id}: above the approval limit, it waits for a second finance operator "
                "(immo-connect operators approve {id} --as USERNAME --reason TEXT).").format(id=request.id))
        return 0
    tx = WalletTransaction.get_by_id(request.transaction_id)
    print(_("Transaction {number}: {amount}, {status}, balance {balance}.").format(
        number=tx.number, amount=money(int(tx.amount), sign=True), status=status_label(str(tx.status)),
        balance=money(tx.balance_after)))
    return 0 if tx.status == "succeeded" else 1
