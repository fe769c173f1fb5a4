"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import sys

from immo_connect import log
from immo_connect.config import Settings, sandbox_warning
from immo_connect.i18n import _
from immo_connect.platform import Platform, create_platform


def platform_from(
    args: argparse.Namespace, *, source: str = "cli", migrate: bool = True, service: bool = False,
    announce: bool = True,
) -> Platform:
    """Build the platform from the global options and send logs to the data directory.

    ``service`` marks the long-running commands (``serve``, ``worker``), which also log to
    stderr when it is not a terminal (systemd's journal). With ``announce`` (every command
    but those whose stderr is read by sshd), a platform running with the sandbox payment
    method says so on stderr.
    """
    platform = create_platform(
        config=args.config, database_url=args.database_url, migrate=migrate, source=source
    )
    log.configure(platform.settings.data_dir, options=platform.settings.log, service=service)
    if announce:
        warn_if_sandbox(platform.settings)
    return platform


def warn_if_sandbox(settings: Settings) -> None:
    """Say on stderr (never stdout, which scripts read) that top-ups move no real money."""
    if settings.sandbox_enabled:
        print(_("immo-connect: warning: {text}").format(text=sandbox_warning()), file=sys.stderr)


def table(rows: list[list[str]], headers: list[str]) -> str:
    """Plain-text columns for terminal output."""
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


def add_operator_arguments(parser: argparse.ArgumentParser, *, reason: bool = True) -> None:
    """``--as USERNAME`` (and ``--reason``): who acts, checked as in the back office screens."""
    parser.add_argument("--as", dest="as_operator", metavar="USERNAME", required=True,
                        help=_("the operator account accountable for this action (its role is checked)"))
    if reason:
        parser.add_argument("--reason", required=True, help=_("why (kept in the audit log and told to the owner)"))


def operator_id(args: argparse.Namespace) -> int:
    """The account id of ``--as``; the role itself is checked by the service."""
    from immo_connect.operators.access import account_id_of

    return account_id_of(str(args.as_operator))
