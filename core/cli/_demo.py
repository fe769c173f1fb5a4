"""``immo-connect demo``: (re)create the demo data."""

from __future__ import annotations

import argparse

from immo_connect.cli._common import platform_from


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("demo", help="(re)create the demo data")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from immo_connect import demo

    platform = platform_from(args)
    report = demo.create(platform)
    for line in report:
        print(line)
    return 0
