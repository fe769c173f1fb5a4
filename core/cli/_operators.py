"""``immo-connect operators``: operator roles, and the money requests waiting for approval.

``add`` without ``--as`` works only while no admin exists (the first admin, set up on the
server); afterwards an admin names themselves with ``--as``.
"""

from __future__ import annotations

import argparse

from immo_connect.cli._common import add_operator_arguments, operator_id, platform_from, table
from immo_connect.i18n import _


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("operators", help=_("operator roles (helpdesk, finance, admin); approvals"))
    commands = parser.add_subparsers(dest="operators_command", metavar="COMMAND", required=True)

    adding = commands.add_parser("add", help=_("give an account an operator role"))
    adding.add_argument("username", metavar="USERNAME")
    adding.add_argument("--role", required=True, choices=("helpdesk", "finance", "admin"))
    adding.add_argument("--as", dest="as_operator", metavar="USERNAME",
                        help=_("the admin giving the role (not needed for the first admin)"))
    adding.add_argument("--reason", required=True, help=_("why (kept in the audit log)"))
    adding.set_defaults(func=run_add)

    removing = commands.add_parser("remove", help=_("take an account's operator role away"))
    removing.add_argument("username", metavar="USERNAME")
    add_operator_arguments(removing)
    removing.set_defaults(func=run_remove)

    listing = commands.add_parser("list", help=_("the operators and their roles"))
    listing.add_argument("--as", dest="as_operator", metavar="USERNAME",
                         help=_("the admin asking (not needed while no admin exists)"))
    listing.set_defaults(func=run_list)

    pending = commands.add_parser("pending", help=_("wallet corrections and refunds waiting for approval"))
    add_operator_arguments(pending, reason=False)
    pending.set_defaults(func=run_pending)

    approve = commands.add_parser("approve", help=_("approve a request another finance operator made (books it)"))
    approve.add_argument("request", metavar="ID", type=int)
    add_operator_arguments(approve)
    approve.set_defaults(func=run_approve)

    reject = commands.add_parser("reject", help=_("reject a request waiting for approval"))
    reject.add_argument("request", metavar="ID", type=int)
    add_operator_arguments(reject)
    reject.set_defaults(func=run_reject)

    refund = commands.add_parser("refund", help=_("give back all or part of a top-up: money leaves the wallet"))
    refund.add_argument("organisation", help=_("enterprise number or organisation id"))
    refund.add_argument("amount", help=_("amount in euros, e.g. 12,50"))
    refund.add_argument("--top-up", dest="top_up", type=int, required=True, help=_("the top-up's transaction id"))
    refund.add_argument("--key", required=True, help=_("idempotency key: the same key never asks twice"))
    refund.add_argument("--reference", default="", help=_("ticket or document reference"))
    add_operator_arguments(refund)
    refund.set_defaults(func=run_refund)


def run_add(args: argparse.Namespace) -> int:
    from immo_connect.operators.words import role_word

    platform = platform_from(args, source="cli")
    actor = operator_id(args) if args.as_operator else None
    row = platform.operators.roles.grant(actor, args.username, args.role, args.reason)
    print(_("{username}: operator role {role}.").format(username=row.username, role=role_word(str(row.role))))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    platform = platform_from(args, source="cli")
    platform.operators.roles.revoke(operator_id(args), args.username, args.reason)
    print(_("{username}: no operator role any more.").format(username=args.username))
    return 0


def run_list(args: argparse.Namespace) -> int:
    from immo_connect.operators.words import role_word

    platform = platform_from(args, source="cli")
    rows = platform.operators.roles.list(operator_id(args) if args.as_operator else None)
    if not rows:
        print(_("No operator yet. Give the first admin role with: "
                "immo-connect operators add USERNAME --role admin --reason TEXT"))
        return 0
    print(table([[r.username, r.name, role_word(str(r.role)), r.granted_at.strftime("%Y-%m-%d %H:%M"), r.granted_by] for r in rows],
                [_("USERNAME"), _("NAME"), _("ROLE"), _("SINCE"), _("GIVEN BY")]))
    return 0


def describe(row: object) -> str:
    from immo_connect.formatting import money
    from immo_connect.operators.words import request_kind_word, request_status_word

    return _("Request {id}: {kind} of {amount} for organisation {organisation}, {status}.").format(
        id=row.id, kind=request_kind_word(row.kind), amount=money(int(row.amount_cents)),  # type: ignore[attr-defined]
        organisation=row.organisation_key, status=request_status_word(row.status))  # type: ignore[attr-defined]


def run_pending(args: argparse.Namespace) -> int:
    from immo_connect.operators.words import request_kind_word
    from immo_connect.wallet.texts import euros

    platform = platform_from(args, source="cli")
    rows = platform.operators.money.pending(operator_id(args))
    if not rows:
        print(_("No request is waiting for approval."))
        return 0
    print(table([[str(r.id), str(r.organisation_key), request_kind_word(str(r.kind)), euros(int(r.amount_cents)), r.requested_by.username,
                  r.reason[:40]] for r in rows], [_("ID"), _("ORG"), _("KIND"), _("AMOUNT"), _("ASKED BY"), _("REASON")]))
    return 0


def run_approve(args: argparse.Namespace) -> int:
    platform = platform_from(args, source="cli")
    row = platform.operators.money.approve(operator_id(args), args.request, args.reason)
    print(describe(row))
    return 0 if row.status == "booked" else 1


def run_reject(args: argparse.Namespace) -> int:
    platform = platform_from(args, source="cli")
    print(describe(platform.operators.money.reject(operator_id(args), args.request, args.reason)))
    return 0


def run_refund(args: argparse.Namespace) -> int:
    from immo_connect.cli._wallet import organisation_id_from
    from immo_connect.wallet.forms import parse_euros

    platform = platform_from(args, source="cli")
    row = platform.operators.money.request(
        operator_id(args), organisation_id_from(args.organisation), "refund", parse_euros(args.amount), args.reason,
        reference=args.reference, original_transaction_id=args.top_up, client_key=args.key)
    print(describe(row))
    return 0 if row.status in ("booked", "pending") else 1
