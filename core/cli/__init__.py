"""The ``immo-connect`` command.

Each command group lives in its own module with an ``add_parser(subparsers)`` function.
Errors a user can fix are printed as one line on stderr with exit code 2; anything else is
logged with its traceback and reported as one line pointing at the log file (exit code 1).
A reader that stops reading (``immo-connect audit | head``) ends the command quietly, as it
ends ``cat`` or ``grep``: exit code 141, the shell's code for a process stopped by SIGPIPE.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import select
import sys
from collections.abc import Sequence

from immo_connect import __version__
from immo_connect.errors import ImmoConnectError
from immo_connect.files import restrict_umask

COMMAND_MODULES: tuple[str, ...] = (
    "immo_connect.cli._run",
    "immo_connect.cli._demo",
    "immo_connect.cli._db",
    "immo_connect.cli._plugins",
    "immo_connect.cli._audit",
    "immo_connect.cli._wallet",
    "immo_connect.cli._invoices",
    "immo_connect.cli._mail",
    "immo_connect.cli._worker",
    "immo_connect.cli._serve",
    "immo_connect.cli._payments",
    "immo_connect.cli._bank",
    "immo_connect.cli._accounts",
    "immo_connect.cli._operators",
    "immo_connect.cli._legacy",
    "immo_connect.cli._eid",
    "immo_connect.cli._secret",
    "immo_connect.cli._web",
    "immo_connect.cli._demo_tool",
)

log = logging.getLogger("immo_connect.cli")

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE


def _stdout_is_closed() -> bool:
    """True when whoever reads our standard output has gone away (``| head``)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return True
    except (OSError, ValueError):
        return False
    try:  # the failed write may have dropped its data: ask the pipe itself
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _fd, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def _discard_stdout() -> None:
    # Python flushes stdout again at exit; pointing it at /dev/null keeps that flush from
    # printing "Exception ignored … BrokenPipeError".
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="immo-connect",
        description="One account for the professional tools of Belgian real-estate professionals.",
    )
    parser.add_argument("--version", action="version", version=f"immo-connect {__version__}")
    parser.add_argument("--config", metavar="PATH", help="plugins.toml to use (default: IMMO_CONNECT_CONFIG or ~/.config/immo-connect/plugins.toml)")
    parser.add_argument("--database-url", metavar="URL", help="database to use (default: IMMO_CONNECT_DATABASE_URL or SQLite in the data directory)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # What this process creates (database, WAL, logs, exports, keys, mails) is for its user
    # only, even when started with systemd's umask 022.
    restrict_umask()
    # A log line that cannot be written (a full or read-only disk) must not print a traceback.
    logging.raiseExceptions = False
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(sys.argv[1:] if argv is None else argv), "run"])
    try:
        result = args.func(args)
        return int(result or 0)
    except ImmoConnectError as error:
        print(f"immo-connect: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        if not _stdout_is_closed():  # another pipe (a socket, a child process): a bug
            return _unexpected(args.command)
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as error:  # noqa: BLE001 - a bug: _unexpected logs the traceback, shows one line
        from immo_connect.storage import storage_error

        explained = storage_error(error)  # a read-only or full database is the operator's to fix
        if explained is not None:
            print(f"immo-connect: {explained}", file=sys.stderr)
            return 2
        return _unexpected(args.command)


def _unexpected(command: str) -> int:
    log.exception("unexpected error in %s", command)
    print(
        "immo-connect: unexpected error; details are in the log file "
        "(immo-connect.log in the data directory). Please report it to support.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
