"""argparse in the command's language: its headings, its ``--help`` line and its errors.

argparse writes its own texts (« usage: », « the following arguments are required: … »)
through the names ``_`` and ``ngettext`` it imports from :mod:`gettext` into its module,
looked up each time a text is written. :func:`route_argparse_texts` points these two names
at the platform's translations, so argparse reads the same catalogs as the rest of the
command (the translations of its English texts are in ``cli.po``; a text the catalogs do not
hold stays argparse's English). That is the whole intervention: no argparse function is
replaced. The texts themselves are listed in :data:`ARGPARSE_TEXTS` so the catalog checks
require their translations like any other text of the platform.

Which language: the command's own (``--lang``, else the locale's, else the installation's
``[platform] language``), known before the arguments are parsed, since ``--help`` and a
parsing error are written while parsing.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence

from immo_connect import i18n
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_

# argparse's texts that reach a user (Python 3.11 to 3.13; those only a mistake in
# building the parser, or an argparse feature the commands do not use, can show stay English).
ARGPARSE_TEXTS: tuple[str, ...] = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("%(heading)s:"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("expected one argument"),
    N_("ignored explicit argument %r"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)


def route_argparse_texts() -> None:
    """argparse's own texts through the platform's catalogs, in the language bound at the time."""
    argparse._ = i18n.gettext  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]


def parsing_language(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language ``--help`` and parsing errors are written in, read before parsing:
    ``--lang`` (when valid; an invalid one is reported by the parser), else the locale's,
    else the installation's ``[platform] language``, else the platform's default."""
    from immo_connect.cli import command_language

    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang")
    early.add_argument("--config")
    known, _rest = early.parse_known_args(list(argv))
    chosen = known.lang if known.lang in i18n.LANGUAGES else None
    language = command_language(chosen, environ)
    return language or _installation_language(known.config, environ)


def _installation_language(config: str | None, environ: Mapping[str, str]) -> str:
    from immo_connect.config import find_config, read_toml

    try:
        path = find_config(config, environ)
        platform = read_toml(path).get("platform", {}) if path else {}
    except (ImmoConnectError, OSError):  # the command itself reports a broken configuration
        return i18n.default_language()
    language = platform.get("language") if isinstance(platform, dict) else None
    return language if language in i18n.LANGUAGES else i18n.default_language()


# The names standing for a value in usage lines, help and errors (``--as USERNAME``,
# ``organisation``): argparse writes an option's in capitals, a positional's as its dest.
ARGUMENT_NAMES: tuple[str, ...] = (
    N_("COMMAND"), N_("ACTION"), N_("ACTOR"), N_("ADDRESS"), N_("AMOUNT"), N_("APPLET"), N_("BATCH"),
    N_("CLIENT"), N_("CODE"), N_("DATE"), N_("DAYS"), N_("DESCRIPTION"), N_("DIR"), N_("FILE"),
    N_("FILE.csv"), N_("HOST:PORT"), N_("INTERVAL"), N_("ISSUER"), N_("KEY"), N_("LANGUAGE"),
    N_("LIMIT"), N_("NAME"), N_("OUTCOME"), N_("PATH"), N_("PAYMENT_ID"), N_("PUBLIC_URL"),
    N_("REASON"), N_("REFERENCE"), N_("ROLE"), N_("SECONDS"), N_("STATUS"), N_("TOP_UP"),
    N_("USERNAME"), N_("VARIABLE"), N_("YYYY-MM"), N_("action"), N_("amount"), N_("kind"),
    N_("organisation"),
)


def translate_argument_names(parser: argparse.ArgumentParser) -> None:
    """Write the value names of ``parser`` and its subcommands in the bound language
    (``--as GEBRUIKERSNAAM``): each becomes its argument's ``metavar``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in {id(p): p for p in action.choices.values()}.values():
                translate_argument_names(subparser)
        if action.nargs == 0:  # a flag: no value to name
            continue
        name = action.metavar or (action.dest.upper() if action.option_strings else action.dest)
        if isinstance(name, str):
            action.metavar = i18n.gettext(name)
