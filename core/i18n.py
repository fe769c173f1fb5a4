"""Translations through gettext catalogs.

Message ids are the English texts; French is the default language of the users. Catalogs
are ordinary gettext ``.po`` files under ``locale/<lang>/LC_MESSAGES/`` (one file per area
of the platform, all merged into one catalog per language), so translators use the usual
gettext tools. They are read directly at first use, which keeps the build free of a
compile step and costs a few milliseconds.

The language is each person's: :func:`set_language` sets the installation's default (for
people not yet known, and for commands), and a front end binds a :class:`LanguageChoice` for
the person it serves with :func:`bind_choice`. The binding lives in a context variable, so
several sessions served by one process (or one thread pool) never see each other's
language; the choice is a mutable holder, so every task copied from the bound context
follows a switch at once.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import gettext as _gettext
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("fr", "en", "nl")
DEFAULT_LANGUAGE = "fr"
LOCALE_DIR = Path(__file__).with_name("locale")

_state = {"language": DEFAULT_LANGUAGE}
# Plugins' own catalogs: (folder, domain) -> ``folder/<lang>/LC_MESSAGES/<domain>.po``.
_plugin_catalogs: list[tuple[Path, str]] = []


class LanguageChoice:
    """One person's language, shared by every task and thread working for them."""

    def __init__(self, language: str) -> None:
        self.language = check_language(language)

    def switch(self, language: str) -> None:
        self.language = check_language(language)


_choice: contextvars.ContextVar[LanguageChoice | None] = contextvars.ContextVar(
    "immo_connect_language", default=None)


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {', '.join(LANGUAGES)}")
    return language


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
    for plugin_folder, domain in _plugin_catalogs:
        path = plugin_folder / language / "LC_MESSAGES" / f"{domain}.po"
        if path.is_file():
            found, found_plurals = parse_po(path.read_text(encoding="utf-8"))
            # The platform's own texts keep the platform's words.
            messages.update({k: v for k, v in found.items() if k not in messages})
            plurals.update({k: v for k, v in found_plurals.items() if k not in plurals})
    return Catalog(messages, plurals, language)


def add_catalogs(folder: str | Path, domain: str) -> None:
    """Merge a plugin's own catalogs, ``folder/<lang>/LC_MESSAGES/<domain>.po``, into every language."""
    entry = (Path(folder), domain)
    if entry not in _plugin_catalogs:
        _plugin_catalogs.append(entry)
        catalog.cache_clear()


def set_language(language: str) -> None:
    """Set the installation's default language (one of :data:`LANGUAGES`).

    It applies wherever no person's choice is bound (see :func:`bind_choice`).
    """
    _state["language"] = check_language(language)


def default_language() -> str:
    return _state["language"]


def get_language() -> str:
    """The language of the person served here, else the installation's default."""
    choice = _choice.get()
    return choice.language if choice is not None else _state["language"]


def current_choice() -> LanguageChoice | None:
    return _choice.get()


@contextlib.contextmanager
def bind_choice(choice: LanguageChoice | None) -> Iterator[LanguageChoice | None]:
    """Use ``choice`` in this context (a task, a worker thread) until the block ends."""
    token = _choice.set(choice)
    try:
        yield choice
    finally:
        _choice.reset(token)


@contextlib.contextmanager
def using(language: str) -> Iterator[str]:
    """Write in ``language`` inside the block (a mail or a document for another person)."""
    with bind_choice(LanguageChoice(language)):
        yield language


def gettext(message: str) -> str:
    """Translate ``message`` (an English text) into the current language."""
    return catalog(get_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog(get_language()).ngettext(singular, plural, n)


class LazyPlural:
    """A count in words, written in the language of the moment it is formatted: a mail for
    another person is rendered in that person's language (``{wait}`` -> « 3 minuten »)."""

    def __init__(self, singular: str, plural: str, count: int) -> None:
        self.singular, self.plural, self.count = singular, plural, count

    def __format__(self, format_spec: str) -> str:
        return format(ngettext(self.singular, self.plural, self.count).format(count=self.count), format_spec)

    def __str__(self) -> str:
        return format(self, "")


def lazy_ngettext(singular: str, plural: str, count: int) -> LazyPlural:
    """``ngettext`` for a value written later, in the reader's language (``{count}`` is the number)."""
    return LazyPlural(singular, plural, count)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet (translate at display)."""
    return message


def word_for(words: Mapping[str, str], code: str) -> str:
    """The translated word of a stored code (a kind, a status…); an unknown code as it is."""
    return gettext(words[code]) if code in words else code


_ = gettext
