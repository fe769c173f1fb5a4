"""``immo-connect db``: schema migrations."""

from __future__ import annotations

import argparse

from immo_connect.cli._common import platform_from
from immo_connect.i18n import _


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("db", help=_("database schema"))
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help=_("apply pending schema migrations"))
    upgrade.set_defaults(func=run_upgrade)
    status = actions.add_parser("status", help=_("list applied migrations"))
    status.set_defaults(func=run_status)


def run_upgrade(args: argparse.Namespace) -> int:
    platform = platform_from(args, migrate=False)
    applied = platform.upgrade()
    for line in applied:
        # "component:version description"; components are module paths, without spaces.
        reference, _space, description = line.partition(" ")
        print(_("applied {migration} ({description})").format(migration=reference, description=_(description)))
    print(_("The database schema is up to date."))
    return 0


def run_status(args: argparse.Namespace) -> int:
    from immo_connect import storage

    platform_from(args, migrate=False)
    for component, version in sorted(storage.applied_migrations()):
        print(f"{component}:{version}")
    return 0
