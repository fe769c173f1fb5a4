"""``immo-connect accounts``: operator actions on one account (unlock, block, unblock, delete).

The same checks as the back office screens: ``--as`` names the operator (helpdesk or admin;
delete needs admin), never acting on their own account, and ``--reason`` is required.
"""

from __future__ import annotations

import argparse

from immo_connect.cli._common import add_operator_arguments, operator_id, platform_from
from immo_connect.i18n import N_, _, ngettext

ACTIONS = ("unlock", "block", "unblock", "delete", "end-sessions", "unlink-eid")
ACTION_WORDS = {"block": N_("block"), "unblock": N_("unblock"), "delete": N_("delete")}


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "accounts", help=_("unlock, block, unblock or delete an account, end its sessions, unlink its eID")
    )
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("account", metavar="USERNAME", help=_("username or e-mail address"))
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
        print(_("{account}: unlocked; the next sign-in is checked at once.").format(account=args.account))
        return 0
    if args.action == "end-sessions":
        ended = desk.end_sessions(actor, target, args.reason)
        print(ngettext("{account}: {count} session ended.", "{account}: {count} sessions ended.", ended).format(
            account=args.account, count=ended))
        return 0
    if args.action == "unlink-eid":
        desk.unlink_eid(actor, target, args.reason)
        print(_("{account}: eID unlinked; linking a card is proposed at the next sign-in.").format(account=args.account))
        return 0
    status = {"block": "blocked", "unblock": "active", "delete": "deleted"}[args.action]
    ended = desk.set_status(actor, target, status, args.reason)
    print(ngettext("{account}: {action} done; {count} session ended.", "{account}: {action} done; {count} sessions ended.",
                   ended).format(account=args.account, action=_(ACTION_WORDS[args.action]), count=ended))
    return 0
