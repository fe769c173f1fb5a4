"""The catalogs against the code: which texts lack a translation, in which language.

``make catalogs`` runs it: it extracts every marked text of ``core/``, ``tui/`` and
``plugins/`` (``_``, ``N_``, ``gettext``, ``ngettext``), reads the catalogs of each language
(the platform's and each plugin's own), and lists per language the texts with no
translation, an empty one, or one identical to the English text (names and shared words
excepted, see :data:`NAMES` and :data:`SAME_AS_ENGLISH`), with where each is used. ``--pot FILE`` also writes the
extracted texts as a gettext template, for ``msgmerge``.
"""

from __future__ import annotations

import argparse
import ast
import re
import string
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from immo_connect import i18n

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("core", "tui", "plugins")
TRANSLATED = ("fr", "nl")  # English is the text of the code
MARKERS = ("_", "N_", "gettext", "ngettext", "lazy_ngettext", "pgettext")

# Texts a language writes as English does (names, codes, and words both languages share):
# the catalog must still hold them, translated into the same text.
SAME_AS_ENGLISH: dict[str, frozenset[str]] = {
    "fr": frozenset({
        "DATE", "COMMUNICATION", "ORG", "photo", "Description", "Date", "Correction", "Organisation",
        "Assistant", "Date (UTC)", "Notes", "Vigilance", "Agent", "Division", "Section", "Nature",
        "Activation", "Contact", "Action", "Page {number}", "palette", "Message", "Type", "Notifications",
        "Options", "Sessions", "Support", "Services", "Transactions", "Total", "Code", "Format", "Source",
        "Document", "Mode", "Note", "Question", "Version", "Wallet", "E-mail", "Logo", "Type: {type}",
        "Total (EUR)", "Organisations", "Communication", "correction",
        "ACTION", "ORGANISATION", "TOTAL", "VERSION", "TRANSACTIONS", "HOOKS", "{count} minute", "{number} (applet {applet})",
        "options", "APPLET", "CLIENT", "CODE", "DESCRIPTION", "VARIABLE", "action", "organisation",
    }),
    "nl": frozenset({
        "Wallet", "Status", "Type", "Code", "Format", "Support", "Help", "Logo", "Website", "E-mail",
        "Document", "Contact", "Filter", "Details", "Menu", "Info", "Team", "Start", "Link", "Test",
        "Stop", "Online", "Agent", "Status: {status}", "Type: {type}", "Root", "ORG", "STATUS",
        "Wallet: {communication}", "Support: {name} {contact}", "Support: {contact}", "Code: {code}",
        "wallet {amount}", "{title}: {amount}", "HOOKS", "{number} (applet {applet})", "Filters", "helpdesk", "operator ({role})", "Operators", "credit", "debit",
        "argument %(argument_name)s: %(message)s", "APPLET", "CLIENT", "CODE", "INTERVAL", "accounts",
    }),
}
# Names and codes: the same text everywhere.
NAMES = frozenset({
    "Immo-Connect", "IBAN", "BIC", "OK", "eID", "PIN", "SSH", "CSV", "PDF", "QR", "URL", "ID",
    "Facebook", "LinkedIn", "Twitter", "Instagram", "YouTube", "Cadastre Finder", "Anti-Blanchiment",
    "Mollie", "Bancontact", "Peppol", "CaPaKey", "Sandbox",
})


@dataclass(frozen=True)
class Marked:
    text: str
    plural: str | None
    where: str


def marked_texts(sources: tuple[str, ...] = SOURCES) -> dict[str, Marked]:
    """Every literal passed to a marker -> the first place it is used."""
    found: dict[str, Marked] = {}
    for folder in sources:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in MARKERS:
                    continue
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value:
                    plural = None
                    if name in ("ngettext", "lazy_ngettext") and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                        plural = str(node.args[1].value)
                    found.setdefault(first.value, Marked(first.value, plural, f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


def placeholders(text: str) -> set[str]:
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError:  # a lone brace: not a format string
        return set()


def is_wordless(text: str) -> bool:
    """Only placeholders (``{name}``, argparse's ``%(name)s``), digits and punctuation: nothing to translate."""
    return re.search(r"[A-Za-z]{2,}", re.sub(r"\{[^}]*\}|%\([a-z_]+\)[srd]", "", text)) is None


def untranslated(language: str, texts: dict[str, Marked] | None = None) -> list[Marked]:
    """The marked texts that ``language`` lacks, translates as empty, or leaves in English."""
    catalog = i18n.catalog(language)
    missing = []
    for text, marked in sorted((texts or marked_texts()).items(), key=lambda item: item[1].where):
        if is_wordless(text) or text in NAMES:
            continue
        same_allowed = text in SAME_AS_ENGLISH.get(language, frozenset())
        if marked.plural is not None:
            forms = catalog._plurals.get(text) or []
            if not forms or not all(forms) or (forms[-1] == marked.plural and not same_allowed):
                missing.append(marked)
        elif catalog._messages.get(text, "") in ("", text) and not (same_allowed and text in catalog._messages):
            missing.append(marked)
    return missing


def wrong_placeholders(language: str) -> list[str]:
    """Catalog entries whose translation does not use the placeholders of the English text."""
    catalog = i18n.catalog(language)
    wrong = [f"{language}: {text!r} -> {translated!r}" for text, translated in catalog._messages.items()
             if placeholders(translated) != placeholders(text)]
    for text, forms in catalog._plurals.items():
        for form in forms:
            if not placeholders(form) <= placeholders(text) | {"n", "count"}:
                wrong.append(f"{language}: {text!r} -> {form!r}")
    return wrong


def pot(texts: dict[str, Marked]) -> str:
    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    entries = ['msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n']
    for marked in sorted(texts.values(), key=lambda m: m.where):
        if marked.plural is not None:
            entries.append(f"#: {marked.where}\nmsgid {quoted(marked.text)}\nmsgid_plural {quoted(marked.plural)}\n"
                           'msgstr[0] ""\nmsgstr[1] ""\n')
        else:
            entries.append(f"#: {marked.where}\nmsgid {quoted(marked.text)}\nmsgstr \"\"\n")
    return "\n".join(entries)


def report(languages: tuple[str, ...]) -> Iterator[str]:
    texts = marked_texts()
    for language in languages:
        missing = untranslated(language, texts)
        yield f"{language}: {len(missing)} of {len(texts)} texts lack a translation"
        for marked in missing:
            yield f"  {marked.where}: {marked.text!r}"
        for line in wrong_placeholders(language):
            yield f"  placeholders differ: {line}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("languages", nargs="*", default=list(TRANSLATED))
    parser.add_argument("--pot", type=Path, help="also write the extracted texts as a .pot template")
    args = parser.parse_args(argv)
    if args.pot:
        args.pot.parent.mkdir(parents=True, exist_ok=True)
        args.pot.write_text(pot(marked_texts()), encoding="utf-8")
    lines = list(report(tuple(args.languages)))
    print("\n".join(lines))
    return 1 if any(line.startswith("  ") for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
