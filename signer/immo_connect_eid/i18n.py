"""The signer's texts: English message ids, translated from the ``.po`` catalogs shipped here.

The catalogs are read directly (no compile step, no ``.mo`` files to build). The language
is the one asked with ``--language``, else the computer's (``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG``), else French.
"""

from __future__ import annotations

import ast
import os
from functools import cache
from pathlib import Path

LANGUAGES = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "fr"
LOCALE_DIR = Path(__file__).with_name("locale")
_state = {"language": DEFAULT_LANGUAGE}


def parse_po(text: str) -> dict[str, str]:
    """The translated singular messages of a ``.po`` text (fuzzy and empty ones left out)."""
    messages: dict[str, str] = {}
    entry: dict[str, str] = {}
    last = ""
    fuzzy = False

    def flush() -> None:
        nonlocal fuzzy
        if entry.get("msgid") and entry.get("msgstr") and not fuzzy:
            messages[entry["msgid"]] = entry["msgstr"]
        entry.clear()
        fuzzy = False

    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#"):
            fuzzy = fuzzy or (line.startswith("#,") and "fuzzy" in line)
        elif line.startswith('"') and last:
            entry[last] += str(ast.literal_eval(line))
        else:
            keyword, _, value = line.partition(" ")
            if keyword == "msgid" and "msgstr" in entry:
                flush()
            last = keyword
            entry[keyword] = str(ast.literal_eval(value.strip()))
    return messages


@cache
def catalog(language: str) -> dict[str, str]:
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    messages: dict[str, str] = {}
    for path in sorted(folder.glob("*.po")):
        messages.update(parse_po(path.read_text(encoding="utf-8")))
    return messages


def language_of_computer(environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        code = environ.get(name, "")[:2].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def set_language(language: str) -> None:
    _state["language"] = language if language in LANGUAGES else DEFAULT_LANGUAGE


def gettext(message: str) -> str:
    return catalog(_state["language"]).get(message) or message


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs; it is translated where it is written."""
    return message


# argparse's own texts a person can meet (usage, headings, parsing errors), translated in
# these catalogs: argparse looks them up through the names ``_`` and ``ngettext`` of its
# module at the moment it writes them, which :func:`route_argparse_texts` points here.
ARGPARSE_TEXTS = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("%(heading)s:"),
    N_("show this help message and exit"), N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"), N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"), N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("expected one argument"), N_("ambiguous option: %(option)s could match %(matches)s"),
)


def route_argparse_texts() -> None:
    import argparse

    argparse._ = gettext  # type: ignore[attr-defined]
    argparse.ngettext = lambda singular, plural, n: gettext(singular if n == 1 else plural)  # type: ignore[attr-defined]
