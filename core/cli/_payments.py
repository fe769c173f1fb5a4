"""``immo-connect payments``: follow online top-ups (polling, webhook endpoint) and list them."""

from __future__ import annotations

import argparse
import time

from immo_connect.cli._common import add_operator_arguments, operator_id, platform_from, table
from immo_connect.i18n import _


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("payments", help=_("online top-ups: list, poll providers, webhook endpoint"))
    commands = parser.add_subparsers(dest="payments_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help=_("recent online top-ups"))
    listing.add_argument("--organisation", metavar="N", type=int, help=_("only this organisation"))
    listing.add_argument("--limit", type=int, default=50, help=_("at most this many (default 50)"))
    add_operator_arguments(listing, reason=False)
    listing.set_defaults(func=run_list)

    polling = commands.add_parser(
        "poll", help=_("look up open payments at their providers (credit paid ones) and paid ones (refunds, chargebacks)"))
    polling.add_argument("--once", action="store_true", help=_("one round, then stop"))
    polling.add_argument("--interval", type=float, default=10.0, help=_("seconds between rounds (default 10)"))
    polling.set_defaults(func=run_poll)

    refund = commands.add_parser(
        "refund", help=_("refund all or part of an online top-up to the card, as a finance operator (four eyes above the limit)"))
    refund.add_argument("payment", type=int, metavar="PAYMENT_ID", help=_("the top-up (see payments list)"))
    refund.add_argument("amount", help=_("amount in euros, e.g. 50 or 12,50"))
    refund.add_argument("--key", default=None, help=_("request key: the same key never refunds twice"))
    add_operator_arguments(refund)
    refund.set_defaults(func=run_refund)

    reversals = commands.add_parser("reversals", help=_("refunds and chargebacks of one online top-up"))
    reversals.add_argument("payment", type=int, metavar="PAYMENT_ID")
    add_operator_arguments(reversals, reason=False)
    reversals.set_defaults(func=run_reversals)

    simulate = commands.add_parser("simulate", help=_("demo methods only: charge back or refund a paid top-up"))
    simulate.add_argument("payment", type=int, metavar="PAYMENT_ID")
    simulate.add_argument("kind", choices=("chargeback", "refund"))
    simulate.add_argument("--amount", default=None, help=_("amount in euros (default: the whole top-up)"))
    simulate.set_defaults(func=run_simulate)

    webhook = commands.add_parser("webhook", help=_("serve the providers' webhook endpoint"))
    webhook.add_argument("--listen", default="127.0.0.1:8470", metavar="HOST:PORT",
                         help=_("address to listen on (default 127.0.0.1:8470; put a TLS proxy in front)"))
    webhook.set_defaults(func=run_webhook)


def run_list(args: argparse.Namespace) -> int:
    from immo_connect.i18n import _
    from immo_connect.payments._money import euros
    from immo_connect.payments.texts import status_text

    platform = platform_from(args, source="cli")
    query = platform.operators.reading.payments(operator_id(args), organisation_id=args.organisation,
                                                limit=args.limit)
    rows = [
        [str(p.id), p.created_at.isoformat(timespec="seconds"), str(p.organisation_id), euros(p.amount_cents),
         f"{p.provider}/{p.option}", p.provider_payment_id or "—", status_text(str(p.status)),
         "✓" if p.credited_at else ""]
        for p in query
    ]
    if not rows:
        print(_("No online top-ups."))
        return 0
    print(table(rows, [_("ID"), _("CREATED (UTC)"), _("ORG"), _("AMOUNT"), _("METHOD"), _("PROVIDER ID"),
                       _("STATUS"), _("CREDITED")]))
    return 0


def run_refund(args: argparse.Namespace) -> int:
    from immo_connect.i18n import _
    from immo_connect.operators.words import request_status_word
    from immo_connect.payments._money import euros, parse_amount

    platform = platform_from(args, source="cli")
    row = platform.operators.money.refund_payment(operator_id(args), args.payment, parse_amount(args.amount),
                                                  args.reason, client_key=args.key)
    if row.status == "pending":
        print(_("Refund request {id} of {amount} waits for a second finance operator "
                "(immo-connect operators approve {id} --as USERNAME --reason TEXT).").format(
            id=row.id, amount=euros(int(row.amount_cents))))
        return 0
    print(_("Refund request {id} of {amount}: {status}.").format(
        id=row.id, amount=euros(int(row.amount_cents)), status=request_status_word(str(row.status))))
    return 0 if row.status == "booked" else 1


def run_reversals(args: argparse.Namespace) -> int:
    from immo_connect.i18n import _
    from immo_connect.payments._money import euros
    from immo_connect.payments.texts import reversal_kind_word, reversal_status_word

    platform = platform_from(args, source="cli")
    rows = [[str(r.id), reversal_kind_word(str(r.kind)), euros(int(r.amount_cents)), reversal_status_word(str(r.status)),
             r.provider_reversal_id or "—",
             str(r.transaction_id or "—"), str(r.restored_transaction_id or "—"), r.reason or ""]
            for r in platform.operators.reading.reversals(operator_id(args), args.payment)]
    if not rows:
        print(_("No refund or chargeback for this top-up."))
        return 0
    print(table(rows, [_("ID"), _("KIND"), _("AMOUNT"), _("STATUS"), _("PROVIDER ID"), _("TAKEN BACK"),
                       _("GIVEN BACK"), _("REASON")]))
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    from immo_connect.i18n import _
    from immo_connect.payments._money import euros, parse_amount
    from immo_connect.payments.texts import reversal_kind_word

    platform = platform_from(args)
    amount = parse_amount(args.amount) if args.amount is not None else None
    payment = platform.payments.simulate_reversal(args.payment, args.kind, amount)
    balance = platform.wallet.ensure_wallet(int(payment.organisation_id)).balance
    print(_("Simulated {kind} of top-up {id}; the wallet's balance is now {balance}.").format(
        kind=reversal_kind_word(args.kind), id=payment.id, balance=euros(int(balance))))
    return 0


def run_poll(args: argparse.Namespace) -> int:
    from immo_connect.i18n import _
    from immo_connect.payments.texts import status_text

    platform = platform_from(args)
    while True:
        counts = platform.payments.follow_open()
        followed = platform.payments.follow_paid()
        parts = [_("{status}: {count}").format(status=status_text(status), count=n) for status, n in sorted(counts.items())]
        if followed:
            parts.append(_("paid, checked for refunds and chargebacks: {count}").format(count=followed))
        if parts:
            print(", ".join(parts), flush=True)
        if args.once:
            return 0
        platform.database.close()  # do not hold a connection while sleeping
        time.sleep(max(1.0, args.interval))


def run_webhook(args: argparse.Namespace) -> int:
    from immo_connect.errors import ValidationError
    from immo_connect.i18n import _
    from immo_connect.payments.webhook import make_server

    host, _sep, port = str(args.listen).rpartition(":")
    if not host or not port.isdigit():
        raise ValidationError(_("--listen must be HOST:PORT, e.g. 127.0.0.1:8470."),
                              hint=_("Give the address and port to listen on."))
    platform = platform_from(args, source="webhook")
    server = make_server(platform, host, int(port))
    print(_("Webhook endpoint on http://{host}:{port}/webhooks/payments/<method>").format(
        host=host, port=server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
