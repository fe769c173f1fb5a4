"""``immo-connect import-legacy FILE.csv --tool NAME``: accounts of the earlier tools."""

from __future__ import annotations

import argparse

from immo_connect.cli._common import platform_from
from immo_connect.i18n import _

EXIT_SOME_REJECTED = 3


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "import-legacy", help=_("import the accounts of an earlier tool from a CSV file (see docs/legacy-import.md)")
    )
    parser.add_argument("file", metavar="FILE.csv", help=_("UTF-8 CSV file with a header line"))
    parser.add_argument(
        "--tool", required=True, metavar="NAME",
        help=_("the earlier tool: anti-blanchiment, bizmart, btv, cibweb, covast, cadastrefinder, myrent-pro, romi"),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    platform = platform_from(args)
    report = platform.accounts.import_legacy(args.file, args.tool)
    for line in report.lines():
        print(line)
    return EXIT_SOME_REJECTED if report.rejected or report.conflicts else 0
