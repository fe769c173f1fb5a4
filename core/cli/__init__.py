"""The ``immo-connect`` command.

Each command group lives in its own module with an ``add_parser(subparsers)`` function.
Errors a user can fix are printed as one line on stderr with exit code 2; anything else is
logged with its traceback and reported as one line pointing at the log file (exit code 1).
A reader that stops reading (``immo-connect audit | head``) ends the command quietly, as it
ends ``cat`` or ``grep``: exit code 141, the shell's code for a process stopped by SIGPIPE.

The commands write in the language of whoever runs them: ``--lang fr|nl|en``, else the
language of the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``nl_BE.UTF-8`` writes Dutch),
else the installation's ``[platform] language``. The commands that serve other people
(``run``, ``serve``, ``ssh-session``, ``web``, ``demo-tool``) keep the installation's
language as the default for strangers: each person's own choice comes from their account
(``serve`` still prints its own lines, the host key and the address, in the command's language).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import select
import sys
from collections.abc import Mapping, Sequence

from immo_connect import __version__, i18n
from immo_connect.cli._argparse_i18n import (
    parsing_language,
    route_argparse_texts,
    translate_argument_names,
)
from immo_connect.errors import ImmoConnectError
from immo_connect.files import restrict_umask
from immo_connect.i18n import _

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
# The locale variables in the order POSIX reads them for messages.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def command_language(chosen: str | None, environ: Mapping[str, str]) -> str | None:
    """The language of a command's output: ``--lang``, else the locale's if the platform
    speaks it, else ``None`` (the installation's language)."""
    if chosen:
        return i18n.check_language(chosen)
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable, "")
        if value:  # the first one set decides, as for every program of the system
            language = value.split(".")[0].split("_")[0].split("@")[0].lower()
            return language if language in i18n.LANGUAGES else None
    return None


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
    """The command's parser, its texts in the language bound now (argparse's own included)."""
    route_argparse_texts()
    parser = argparse.ArgumentParser(
        prog="immo-connect",
        description=_("One account for the professional tools of Belgian real-estate professionals."),
    )
    parser.add_argument("--version", action="version", version=f"immo-connect {__version__}",
                        help=_("show the program's version number and exit"))
    parser.add_argument("--config", metavar="PATH", help=_("plugins.toml to use (default: IMMO_CONNECT_CONFIG or ~/.config/immo-connect/plugins.toml)"))
    parser.add_argument("--database-url", metavar="URL", help=_("database to use (default: IMMO_CONNECT_DATABASE_URL or SQLite in the data directory)"))
    parser.add_argument("--lang", choices=i18n.LANGUAGES, metavar="LANGUAGE",
                        help=_("language of the output: fr, nl or en (default: the locale's, LANG=nl_BE.UTF-8, "
                             "else the installation's [platform] language)"))
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    translate_argument_names(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # What this process creates (database, WAL, logs, exports, keys, mails) is for its user
    # only, even when started with systemd's umask 022.
    restrict_umask()
    # A log line that cannot be written (a full or read-only disk) must not print a traceback.
    logging.raiseExceptions = False
    arguments = list(sys.argv[1:] if argv is None else argv)
    # --help and parsing errors are written while parsing: in the command's language.
    with i18n.using(parsing_language(arguments, os.environ)):
        parser = build_parser()
        args = parser.parse_args(arguments)
        if args.command is None:
            args = parser.parse_args([*arguments, "run"])
    # A serving command gets the language for its own lines only (``serve`` prints them in it).
    args.output_language = command_language(args.lang, os.environ)
    language = None if getattr(args, "serves_people", False) else args.output_language
    with i18n.bind_choice(i18n.LanguageChoice(language) if language else None):
        return _dispatch(args)


def _dispatch(args: argparse.Namespace) -> int:
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
    print(_("immo-connect: unexpected error; details are in the log file "
            "(immo-connect.log in the data directory). Please report it to support."), file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
