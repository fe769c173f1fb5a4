"""Translations: every user-facing text has its French translation; the catalogs parse."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from immo_connect import i18n

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("core", "tui", "plugins")


def marked_texts() -> dict[str, str]:
    """Every literal passed to ``_``, ``N_``, ``gettext`` or ``ngettext`` -> where it is."""
    found: dict[str, str] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in ("_", "N_", "gettext", "ngettext") or not node.args:
                    continue
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_every_marked_text_has_a_french_translation() -> None:
    french = i18n.catalog("fr")
    missing = [
        f"{where}: {text!r}" for text, where in marked_texts().items()
        if not french.has(text) and re.search(r"[A-Za-z]{2,}", re.sub(r"\{[^}]*\}", "", text))
    ]
    assert not missing, "Texts without a French translation:\n" + "\n".join(missing)


def test_french_translations_keep_the_placeholders() -> None:
    french = i18n.catalog("fr")
    wrong = [
        text for text in marked_texts()
        if french.gettext(text) != text and placeholders(french.gettext(text)) != placeholders(text)
    ]
    assert not wrong, f"placeholders differ in: {wrong}"


def test_every_language_catalog_parses() -> None:
    for language in i18n.LANGUAGES:
        for path in (i18n.LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"):
            messages, _ = i18n.parse_po(path.read_text(encoding="utf-8"))
            assert all(isinstance(v, str) for v in messages.values()), path


def test_no_catalog_defines_a_text_twice() -> None:
    """msgfmt refuses such a file, and two translations of one text could disagree."""
    for path in i18n.LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        msgids = [line for line in path.read_text(encoding="utf-8").splitlines()
                  if line.startswith("msgid ") and line != 'msgid ""']
        twice = sorted({m for m in msgids if msgids.count(m) > 1})
        assert not twice, f"{path}: {twice}"


def test_po_parser_handles_continuations_plurals_and_fuzzy() -> None:
    text = '''
# comment
msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\\n"

msgid "Sign in"
msgstr "Se connecter"

msgid ""
"A long "
"text"
msgstr ""
"Un long "
"texte"

#, fuzzy
msgid "Quit"
msgstr "Quitter peut-être"

msgid "{n} organisation"
msgid_plural "{n} organisations"
msgstr[0] "{n} organisation"
msgstr[1] "{n} organisations"
'''
    messages, plurals = i18n.parse_po(text)
    assert messages["Sign in"] == "Se connecter"
    assert messages["A long text"] == "Un long texte"
    assert "Quit" not in messages
    assert "" not in messages
    assert plurals["{n} organisation"] == ["{n} organisation", "{n} organisations"]


def test_language_switch_and_french_plural_rule() -> None:
    catalog = i18n.Catalog({"Help": "Aide"}, {"{n} file": ["{n} fichier", "{n} fichiers"]}, "fr")
    assert catalog.gettext("Help") == "Aide"
    assert catalog.ngettext("{n} file", "{n} files", 0) == "{n} fichier"  # French: 0 is singular
    assert catalog.ngettext("{n} file", "{n} files", 2) == "{n} fichiers"
    english = i18n.Catalog({}, {}, "en")
    assert english.ngettext("{n} file", "{n} files", 0) == "{n} files"
    try:
        i18n.set_language("en")
        assert i18n.gettext("Help") == "Help"
        i18n.set_language("fr")
        assert i18n.gettext("Help") == "Aide"
    finally:
        i18n.set_language("fr")
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.set_language("de")
