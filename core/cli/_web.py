"""``immo-connect web``: the identity provider of the tools, their wallet API and the webhooks."""

from __future__ import annotations

import argparse

from immo_connect.cli._common import platform_from
from immo_connect.i18n import _


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "web", help=_("serve the tools' sign-in (OpenID Connect), the wallet API and the payment webhooks"))
    parser.add_argument("--listen", metavar="HOST:PORT",
                        help=_("address to listen on (default: [web] listen, 127.0.0.1:8470; put a TLS proxy in front)"))
    parser.set_defaults(func=run, serves_people=True)  # pages in each visitor's language
    keys = subparsers.add_parser("web-rotate-key", help=_("sign ID tokens with a new key (the old one stays published)"))
    keys.set_defaults(func=rotate_key)


def run(args: argparse.Namespace) -> int:
    from immo_connect.cli._serve import parse_listen
    from immo_connect.i18n import _
    from immo_connect.web.serve import serve

    platform = platform_from(args, source="web")
    host, port = parse_listen(args.listen or platform.settings.web.listen)

    def ready(bound: int) -> None:
        print(_("Serving the tools' sign-in on http://{host}:{port} (issuer {issuer})").format(
            host=host, port=bound, issuer=platform.settings.issuer), flush=True)

    return serve(platform, host, port, on_ready=ready)


def rotate_key(args: argparse.Namespace) -> int:
    from immo_connect.i18n import _
    from immo_connect.oidc import keys

    platform = platform_from(args, source="cli")
    row = keys.rotate(platform)
    print(_("ID tokens are now signed with key {kid}.").format(kid=row.kid))
    return 0
