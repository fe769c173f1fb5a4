"""``immo-connect secret``: the platform key, to copy to another machine or to compare."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _

if TYPE_CHECKING:
    from immo_connect.config import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "secret", help=_("the platform key (secret.key / IMMO_CONNECT_SECRET_KEY)"),
        description=_("The platform key every machine sharing the database must hold (see docs/scaling.md)."),
    )
    commands = parser.add_subparsers(dest="secret_command", metavar="SUBCOMMAND", required=True)
    show = commands.add_parser(
        "show", help=_("print the key as 64 hexadecimal characters, to copy it to another machine"),
        description=_("Print the platform key in the one format secret.key and IMMO_CONNECT_SECRET_KEY accept. "
                    "It is printed only into a pipe or a file unless --on-terminal is given."),
    )
    show.add_argument("--on-terminal", action="store_true",
                      help=_("print it even on a terminal (anyone who sees the screen or its scroll-back has it)"))
    show.set_defaults(func=run_show)
    check = commands.add_parser(
        "fingerprint", help=_("print a fingerprint of the key, to compare machines without showing the key"))
    check.set_defaults(func=run_fingerprint)


def _settings(args: argparse.Namespace) -> Settings:
    from immo_connect.config import load_settings

    return load_settings(args.config, database_url=args.database_url)


def run_show(args: argparse.Namespace) -> int:
    from immo_connect.secret_key import format_key

    if sys.stdout.isatty() and not args.on_terminal:
        # A key on screen stays in the scroll-back and in screen recordings: only on request.
        raise ImmoConnectError(
            _("The platform key is not printed on a terminal."),
            hint=_("Send it where it goes, e.g. `immo-connect secret show > key.txt` or into ssh, "
                   "or add --on-terminal to print it here."),
            code="secret_on_terminal",
        )
    settings = _settings(args)
    print(format_key(settings.secret_key), flush=True)
    return 0


def run_fingerprint(args: argparse.Namespace) -> int:
    from immo_connect.secret_key import fingerprint

    print(fingerprint(_settings(args).secret_key))
    return 0
