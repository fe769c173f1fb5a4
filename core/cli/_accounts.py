"""``immo-connect accounts``: operator actions on one account (unlock, block, unblock, delete).

The same checks as the back office screens: ``--as`` names the operator (helpdesk or admin;
delete needs admin), never acting on their own account, and ``--reason`` is required.
"""

from __future__ import annotations

import argparse

from immo_connect.cli._common import add_operator_arguments, operator_id, platform_from

ACTIONS = ("unlock", "block", "unblock", "delete", "end-sessions", "unlink-eid")


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "accounts", help="unlock, block, unblock or delete an account, end its sessions, unlink its eID"
    )
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("account", metavar="USERNAME", help="username or e-mail address")
    add_operator_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from immo_connect.operators.access import account_id_of

    platform = platform_from(args, source="cli")
    desk = platform.operators.help
    actor = operator_id(args)
    target = account_id_of(args.account)
    if args.action == "unlock":
        desk.unlock(actor, target, args.reason)
        print(f"{args.account}: unlocked; the next sign-in is checked at once.")
        return 0
    if args.action == "end-sessions":
        print(f"{args.account}: {desk.end_sessions(actor, target, args.reason)} session(s) ended.")
        return 0
    if args.action == "unlink-eid":
        desk.unlink_eid(actor, target, args.reason)
        print(f"{args.account}: eID unlinked; linking a card is proposed at the next sign-in.")
        return 0
    status = {"block": "blocked", "unblock": "active", "delete": "deleted"}[args.action]
    ended = desk.set_status(actor, target, status, args.reason)
    print(f"{args.account}: {args.action} done; {ended} session(s) ended.")
    return 0
