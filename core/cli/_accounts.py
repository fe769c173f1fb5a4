"""``immo-connect accounts``: operator actions on one account (unlock, block, unblock, delete)."""

from __future__ import annotations

import argparse

from immo_connect.cli._common import platform_from

ACTIONS = ("unlock", "block", "unblock", "delete")


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "accounts", help="unlock, block, unblock or delete an account (ends its sessions when blocking)"
    )
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("account", metavar="USERNAME", help="username or e-mail address")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    platform = platform_from(args)
    service = platform.accounts
    if args.action == "unlock":
        service.unlock(args.account)
        print(f"{args.account}: unlocked; the next sign-in is checked at once.")
        return 0
    ended = {"block": service.block, "unblock": service.unblock, "delete": service.delete}[args.action](args.account)
    print(f"{args.account}: {args.action} done; {ended} session(s) ended.")
    return 0
