"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse

from immo_connect import log
from immo_connect.platform import Platform, create_platform


def platform_from(args: argparse.Namespace, *, source: str = "cli", migrate: bool = True,
                  service: bool = False) -> Platform:
    """Build the platform from the global options and send logs to the data directory.

    ``service`` marks the long-running commands (``serve``, ``worker``), which also log to
    stderr when it is not a terminal (systemd's journal).
    """
    platform = create_platform(
        config=args.config, database_url=args.database_url, migrate=migrate, source=source
    )
    log.configure(platform.settings.data_dir, options=platform.settings.log, service=service)
    return platform


def table(rows: list[list[str]], headers: list[str]) -> str:
    """Plain-text columns for terminal output."""
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)
