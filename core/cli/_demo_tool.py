"""``immo-connect demo-tool``: the example web tool that signs in with Immo-Connect."""

from __future__ import annotations

import argparse
import os

from immo_connect.i18n import _


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "demo-tool", help=_("run the example web tool that signs in with Immo-Connect (docs/vendor-web-tool.md)"))
    parser.add_argument("--client", default="myrentpro", help=_("the tool's client_id at the provider (default myrentpro)"))
    parser.add_argument("--listen", metavar="HOST:PORT", help=_("address to listen on (default: the demo port of the tool)"))
    parser.add_argument("--issuer", help=_("the provider (default: [web] issuer of plugins.toml)"))
    parser.add_argument("--public-url", help=_("where browsers reach the tool (default: http://HOST:PORT)"))
    parser.add_argument("--secret-env", metavar="VARIABLE",
                        help=_("environment variable holding the client secret (default: none, a public client)"))
    parser.set_defaults(func=run, serves_people=True)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from immo_connect.cli._serve import parse_listen
    from immo_connect.config import load_settings
    from immo_connect.demo_tool import DEMO_PORTS
    from immo_connect.demo_tool.app import Settings, create_app
    from immo_connect.errors import ConfigurationError
    from immo_connect.i18n import _

    host, port = parse_listen(args.listen or f"127.0.0.1:{DEMO_PORTS.get(args.client, 8480)}")
    issuer = (args.issuer or load_settings(args.config, database_url=args.database_url).issuer).rstrip("/")
    secret = ""
    if args.secret_env:
        if args.secret_env not in os.environ:
            raise ConfigurationError(_("The environment variable {variable} is not set.").format(variable=args.secret_env),
                                     hint=_("Set it to the tool's client secret, or leave --secret-env out."))
        secret = os.environ[args.secret_env]
    settings = Settings(issuer=issuer, client_id=args.client, client_secret=secret,
                        public_url=(args.public_url or f"http://{host}:{port}").rstrip("/"))
    print(_("Example tool {client} on {url} (provider {issuer})").format(
        client=args.client, url=settings.public_url, issuer=issuer), flush=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False)
    return 0
