"""``immo-connect run``: the terminal UI (the default command)."""

from __future__ import annotations

import argparse

from immo_connect.cli._common import platform_from


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("run", help="open the terminal UI (default)")
    parser.add_argument("--no-demo", action="store_true", help="do not fill an empty database with demo data")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    platform = platform_from(args, source="tui")
    if not args.no_demo:
        from immo_connect import demo

        demo.ensure(platform)
    from immo_connect.tui.app import run_app  # Textual is imported only here

    return run_app(platform)
