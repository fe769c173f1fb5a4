"""``immo-connect run``: the terminal UI (the default command)."""

from __future__ import annotations

import argparse

from immo_connect import i18n, log
from immo_connect.cli._common import warn_if_sandbox
from immo_connect.config import load_settings
from immo_connect.i18n import _


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("run", help=_("open the terminal UI (default)"))
    parser.add_argument("--no-demo", action="store_true", help=_("do not fill an empty database with demo data"))
    parser.set_defaults(func=run, serves_people=True)  # strangers see the installation's language


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config, database_url=args.database_url)
    i18n.set_language(settings.language)
    log.configure(settings.data_dir, options=settings.log)  # the UI owns stderr: the file only
    warn_if_sandbox(settings)  # also on the terminal once the UI has closed

    def build():  # type: ignore[no-untyped-def]
        from immo_connect import demo
        from immo_connect.platform import create_platform

        platform = create_platform(settings, source="tui")
        if not args.no_demo:
            demo.ensure(platform)
        return platform

    from immo_connect.tui.app import run_app  # Textual is imported only here

    exit_code: int = run_app(build, settings=settings)
    return exit_code
