"""``immo-connect demo``: create the demo data, or bring it back to its starting state."""

from __future__ import annotations

import argparse

from immo_connect.cli._common import platform_from
from immo_connect.i18n import _


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("demo", help=_("create the demo data, or bring it back to its starting state"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from immo_connect import demo

    platform = platform_from(args)
    report = demo.create(platform)
    for line in report:
        print(line)
    return 0
