"""``immo-connect payments``: follow online top-ups (polling, webhook endpoint) and list them."""

from __future__ import annotations

import argparse
import time

from immo_connect.cli._common import platform_from, table


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("payments", help="online top-ups: list, poll providers, webhook endpoint")
    commands = parser.add_subparsers(dest="payments_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="recent online top-ups")
    listing.add_argument("--organisation", metavar="N", type=int, help="only this organisation")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.set_defaults(func=run_list)

    polling = commands.add_parser("poll", help="look up open payments at their providers; credit paid ones")
    polling.add_argument("--once", action="store_true", help="one round, then stop")
    polling.add_argument("--interval", type=float, default=10.0, help="seconds between rounds (default 10)")
    polling.set_defaults(func=run_poll)

    webhook = commands.add_parser("webhook", help="serve the providers' webhook endpoint")
    webhook.add_argument("--listen", default="127.0.0.1:8470", metavar="HOST:PORT",
                         help="address to listen on (default 127.0.0.1:8470; put a TLS proxy in front)")
    webhook.set_defaults(func=run_webhook)


def run_list(args: argparse.Namespace) -> int:
    from immo_connect.i18n import _
    from immo_connect.payments._money import euros
    from immo_connect.payments.models import Payment

    platform_from(args)
    query = Payment.select().order_by(Payment.id.desc()).limit(max(1, args.limit))
    if args.organisation is not None:
        query = query.where(Payment.organisation == args.organisation)
    rows = [
        [str(p.id), p.created_at.isoformat(timespec="seconds"), str(p.organisation_id), euros(p.amount_cents),
         f"{p.provider}/{p.option}", p.provider_payment_id or "—", p.status,
         "✓" if p.credited_at else ""]
        for p in query
    ]
    if not rows:
        print(_("No online top-ups."))
        return 0
    print(table(rows, [_("ID"), _("CREATED (UTC)"), _("ORG"), _("AMOUNT"), _("METHOD"), _("PROVIDER ID"),
                       _("STATUS"), _("CREDITED")]))
    return 0


def run_poll(args: argparse.Namespace) -> int:
    platform = platform_from(args)
    while True:
        counts = platform.payments.follow_open()
        if counts:
            print(", ".join(f"{status}: {n}" for status, n in sorted(counts.items())), flush=True)
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
