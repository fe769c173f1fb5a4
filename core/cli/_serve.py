"""``immo-connect serve``: the terminal UI over SSH (one process per session)."""

from __future__ import annotations

import argparse

from immo_connect.cli._common import platform_from
from immo_connect.errors import ConfigurationError
from immo_connect.i18n import _


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("serve", help="serve the terminal UI over SSH")
    parser.add_argument(
        "--listen", metavar="HOST:PORT",
        help="address to listen on (default: [ssh] listen in plugins.toml, 127.0.0.1:2222; port 0 picks a free one)",
    )
    parser.set_defaults(func=run)


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
    platform = platform_from(args, source="ssh-server")
    host, port = parse_listen(args.listen or platform.settings.ssh.listen)
    from immo_connect.ssh.serve import serve  # asyncssh is imported only here

    return serve(platform, host, port)
