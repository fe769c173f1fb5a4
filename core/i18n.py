"""Translations through gettext catalogs.

Message ids are the English texts; French is the default language of the users. Catalogs
are ordinary gettext ``.po`` files under ``locale/<lang>/LC_MESSAGES/`` (one file per area
of the platform, all merged into one catalog per language), so translators use the usual
gettext tools. They are read directly at first use, which keeps the build free of a
compile step and costs a few milliseconds.

One process serves one user (the SSH server gives each session its own process), so the
current language is process-wide.
"""

from __future__ import annotations

import ast
import gettext as _gettext
from functools import cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("fr", "en", "nl")
DEFAULT_LANGUAGE = "fr"
LOCALE_DIR = Path(__file__).with_name("locale")

_state = {"language": DEFAULT_LANGUAGE}


class Catalog(_gettext.NullTranslations):
    """A gettext translation object built from ``.po`` files."""

    def __init__(
        self, messages: dict[str, str], plurals: dict[str, list[str]], language: str
    ) -> None:
        super().__init__()
        self._messages = messages
        self._plurals = plurals
        self.language = language

    def gettext(self, message: str) -> str:
        return self._messages.get(message) or message

    def has(self, message: str) -> bool:
        """True when the catalog translates ``message`` (possibly into the same text)."""
        return message in self._messages or message in self._plurals

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        # French treats 0 as singular ("n > 1"); English and Dutch use "n != 1".
        index = int(n > 1) if self.language == "fr" else int(n != 1)
        forms = self._plurals.get(msgid1)
        if forms and len(forms) > index and forms[index]:
            return forms[index]
        return (msgid1, msgid2)[index]


def _unquote(literal: str) -> str:
    """The value of a quoted .po string; only strings with escapes need the full parser."""
    inner = literal[1:-1]
    return inner if "\\" not in inner else str(ast.literal_eval(literal))


def parse_po(text: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Parse the text of a ``.po`` file into singular and plural messages.

    Fuzzy entries are skipped, as ``msgfmt`` does.
    """
    messages: dict[str, str] = {}
    plurals: dict[str, list[str]] = {}
    entry: dict[str, str] = {}
    fuzzy = False
    last: str | None = None

    def flush() -> None:
        nonlocal entry, fuzzy, last
        msgid = entry.get("msgid")
        if msgid and not fuzzy:
            if "msgid_plural" in entry:
                forms = [entry.get(f"msgstr[{i}]", "") for i in range(4) if f"msgstr[{i}]" in entry]
                plurals[msgid] = forms
            elif entry.get("msgstr"):
                messages[msgid] = entry["msgstr"]
        entry, fuzzy, last = {}, False, None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"') and last is not None:
            entry[last] += _unquote(line)
            continue
        keyword, _, value = line.partition(" ")
        if keyword == "msgid" and "msgid" in entry and "msgstr" in entry:
            flush()
        last = keyword
        entry[keyword] = _unquote(value.strip())
    flush()
    return messages, plurals


@cache
def catalog(language: str) -> Catalog:
    """All messages of one language, merged from its ``.po`` files (cached)."""
    messages: dict[str, str] = {}
    plurals: dict[str, list[str]] = {}
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")):
        found, found_plurals = parse_po(path.read_text(encoding="utf-8"))
        messages.update(found)
        plurals.update(found_plurals)
    return Catalog(messages, plurals, language)


def set_language(language: str) -> None:
    """Switch the process to ``language`` (one of :data:`LANGUAGES`)."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {', '.join(LANGUAGES)}")
    _state["language"] = language


def get_language() -> str:
    return _state["language"]


def gettext(message: str) -> str:
    """Translate ``message`` (an English text) into the current language."""
    return catalog(_state["language"]).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog(_state["language"]).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet (translate at display)."""
    return message


_ = gettext
