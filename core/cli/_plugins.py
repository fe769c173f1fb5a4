"""``immo-connect plugins``: what is installed, enabled, disabled or failed, and why."""

from __future__ import annotations

import argparse
import json
import sys

from immo_connect.cli._common import table, warn_if_sandbox
from immo_connect.i18n import N_, _, ngettext

# Like import-legacy's rejected rows: the command ran, but something needs the operator.
EXIT_PLUGINS_FAILED = 3
# The table's words for the codes (--json keeps the codes).
KIND_WORDS = {"built-in": N_("built-in"), "external": N_("external")}
STATE_WORDS = {"enabled": N_("enabled"), "disabled": N_("disabled"), "failed": N_("failed to load")}


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "plugins", help=_("list plugins with their versions, hooks and state (exit code 3 when one failed)")
    )
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from immo_connect.config import config_folder, load_settings
    from immo_connect.plugin_host import create_plugin_host

    settings = load_settings(args.config, database_url=args.database_url)
    warn_if_sandbox(settings)
    host = create_plugin_host(settings.plugin_tables, config_name=str(settings.config_path or "plugins.toml"),
                              base_dir=config_folder(settings))
    infos = host.plugins()
    # Contributions are collected so that a plugin failing inside its register hook shows as failed.
    host.tools(), host.recognition_sources(), host.payment_methods()
    if args.json:
        print(json.dumps([info.__dict__ for info in infos], indent=2))
    else:
        rows = [
            [i.name, i.version, _(KIND_WORDS.get(i.kind, i.kind)),
             _(STATE_WORDS.get(i.state, i.state)) if not i.reason else _("{state}: {reason}").format(
                 state=_(STATE_WORDS.get(i.state, i.state)), reason=i.reason),
             ", ".join(h.removeprefix("immo_connect_") for h in i.hooks)]
            for i in infos
        ]
        print(table(rows, [_("NAME"), _("VERSION"), _("KIND"), _("STATE"), _("HOOKS")]) if rows else _("No plugins."))
    failed = [info.name for info in infos if info.state == "failed"]
    if not failed:
        return 0
    print(ngettext("immo-connect: {count} plugin failed to load: {names}.",
                   "immo-connect: {count} plugins failed to load: {names}.", len(failed)).format(
        count=len(failed), names=", ".join(failed)), file=sys.stderr)
    return EXIT_PLUGINS_FAILED
