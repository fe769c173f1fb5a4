"""``immo-connect serve``: the terminal UI over SSH (one process per session)."""

from __future__ import annotations

import argparse

from immo_connect.cli._common import platform_from
from immo_connect.errors import ConfigurationError
from immo_connect.i18n import _


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("serve", help=_("serve the terminal UI over SSH"))
    parser.add_argument(
        "--listen", metavar="HOST:PORT",
        help=_("address to listen on (default: [ssh] listen in plugins.toml, 127.0.0.1:2222; port 0 picks a free one)"),
    )
    parser.set_defaults(func=run, serves_people=True)
    session = subparsers.add_parser(
        "ssh-session", help=_("the terminal UI as an OpenSSH forced command (see docs/deployment.md)"))
    session.set_defaults(func=run_ssh_session, serves_people=True)
    keys = subparsers.add_parser(
        "ssh-authorized-keys", help=_("registered SSH keys as authorized_keys lines (OpenSSH AuthorizedKeysCommand)"))
    keys.set_defaults(func=print_authorized_keys)


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[IPv6]:PORT`` into its parts."""
    host, sep, port_text = text.strip().rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigurationError(
            _("Cannot listen on {address!r}: expected HOST:PORT.").format(address=text),
            hint=_("For example --listen 0.0.0.0:2222 (all addresses) or --listen 127.0.0.1:2222."),
            code="ssh_listen",
        )
    return host, int(port_text)


def run(args: argparse.Namespace) -> int:
    platform = platform_from(args, source="ssh-server", service=True)
    host, port = parse_listen(args.listen or platform.settings.ssh.listen)
    from immo_connect.ssh.serve import serve  # asyncssh is imported only here

    return serve(platform, host, port, language=getattr(args, "output_language", None))


def run_ssh_session(args: argparse.Namespace) -> int:
    from immo_connect import i18n, log
    from immo_connect.config import load_settings
    from immo_connect.ssh.child import prepare_terminal
    from immo_connect.ssh.forced import run_session

    prepare_terminal()
    settings = load_settings(args.config, database_url=args.database_url)
    i18n.set_language(settings.language)
    log.configure(settings.data_dir, options=settings.log)  # the UI owns stderr: the file only
    return run_session(settings)


def print_authorized_keys(args: argparse.Namespace) -> int:
    from immo_connect.ssh.forced import authorized_keys

    platform_from(args, source="sshd", migrate=False, announce=False)  # sshd reads the output
    for line in authorized_keys():
        print(line)
    return 0
