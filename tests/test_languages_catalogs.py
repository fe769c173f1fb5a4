"""Catalogue checks: placeholders kept, no sentence built from translated pieces, no text
translated once per process, and every text of the code translated (``make catalogs``
lists what is missing)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from immo_connect import i18n
from tests.support import catalogs

ROOT = catalogs.ROOT
TRANSLATING = ("_", "gettext", "ngettext")


def _sources() -> list[tuple[Path, ast.AST]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
            for folder in catalogs.SOURCES for path in sorted((ROOT / folder).rglob("*.py"))]


def _translated(node: ast.AST) -> bool:
    """A call of ``_``/``gettext``/``ngettext``, possibly followed by ``.format(...)``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _translated(node.func.value)
    return isinstance(node, ast.Call) and (
        getattr(node.func, "id", None) or getattr(node.func, "attr", None)) in TRANSLATING


def _words(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and any(c.isalpha() for c in node.value)


@pytest.mark.parametrize("language", catalogs.TRANSLATED)
def test_translations_keep_the_placeholders_of_the_english_text(language: str) -> None:
    assert catalogs.wrong_placeholders(language) == []


def test_no_sentence_is_built_from_translated_pieces() -> None:
    """``_("Page") + _(" of ")``, ``_("Hello ") + "world"`` or ``text += _("…")``: word order
    differs between languages, so a sentence is one message with placeholders."""
    found = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                left, right = node.left, node.right
                if (_translated(left) and (_translated(right) or _words(right))) or (_translated(right) and _words(left)):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add) and _translated(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            elif isinstance(node, ast.JoinedStr):
                pieces = [v for v in node.values if isinstance(v, ast.FormattedValue) and _translated(v.value)]
                if pieces and any(_words(v) for v in node.values):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == [], "Sentences built from translated pieces (use one message with placeholders):\n" + "\n".join(found)


def test_no_text_is_translated_when_a_module_is_imported() -> None:
    """A class or module constant is built once per process, but each person has their own
    language: mark it with ``N_`` and translate where it is shown."""
    found = []

    def visit(node: ast.AST, path: Path, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if not in_function and isinstance(child, ast.Call) and (
                    getattr(child.func, "id", None) or getattr(child.func, "attr", None)) in TRANSLATING:
                found.append(f"{path.relative_to(ROOT)}:{child.lineno}: {ast.unparse(child)[:60]}")
            visit(child, path, inside)

    for path, tree in _sources():
        visit(tree, path, False)
    assert found == [], "Translated at import time:\n" + "\n".join(found)


def test_every_text_has_its_french_translation() -> None:
    missing = catalogs.untranslated("fr")
    assert missing == [], "\n".join(f"{m.where}: {m.text!r}" for m in missing)


def test_every_text_has_its_dutch_translation() -> None:
    missing = catalogs.untranslated("nl")
    assert missing == [], f"{len(missing)} texts lack Dutch (make catalogs):\n" + "\n".join(
        f"{m.where}: {m.text!r}" for m in missing)


def test_the_catalog_report_names_each_missing_text_and_where_it_is_used(capsys: pytest.CaptureFixture[str]) -> None:
    code = catalogs.main(["nl"])
    out = capsys.readouterr().out
    missing = catalogs.untranslated("nl")
    assert out.splitlines()[0].startswith(f"nl: {len(missing)} of ")
    assert code == (1 if missing else 0)
    for marked in missing[:3]:
        assert f"  {marked.where}: {marked.text!r}" in out


GLUED_CURRENCY = re.compile(r"\{[^{}]*\}[\s\u00a0]?(?:EUR\b|€)|(?:\bEUR|€)[\s\u00a0]?\{[^{}]*\}")


def test_amounts_in_sentences_take_their_currency_from_the_formatting_module() -> None:
    """``{amount} EUR`` in a sentence reads ``1 234,56 EUR`` in every language, where
    ``formatting.money`` writes ``1 234,56 €``, ``1.234,56 €`` or ``€1,234.56`` as each does."""
    found = [f"{m.where}: {m.text!r}" for m in catalogs.marked_texts().values() if GLUED_CURRENCY.search(m.text)]
    for language in catalogs.TRANSLATED:
        found += [f"{language}: {text!r}" for text in i18n.catalog(language)._messages.values()
                  if GLUED_CURRENCY.search(text)]
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                after_value = [right for left, right in zip(node.values, node.values[1:], strict=False)
                               if isinstance(left, ast.FormattedValue) and isinstance(right, ast.Constant)]
                if any(re.match(r"[\s\u00a0]?(?:EUR\b|€)", str(c.value)) for c in after_value):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    for template in sorted((ROOT / "core" / "mail" / "templates").rglob("*.*")):
        if GLUED_CURRENCY.search(template.read_text(encoding="utf-8")):
            found.append(str(template.relative_to(ROOT)))
    assert found == [], "Amounts with a currency glued in the text (use formatting.money):\n" + "\n".join(found)


def test_every_catalogue_passes_msgfmt_check() -> None:
    """What translators' tools accept: no merge leftovers, python-format placeholders kept."""
    import shutil
    import subprocess

    msgfmt = shutil.which("msgfmt")
    assert msgfmt is not None, "msgfmt (gettext) is one of the packages make installs"
    files = sorted([*(ROOT / "core" / "locale").rglob("*.po"), *(ROOT / "signer").rglob("*.po"),
                    *(ROOT / "plugins").rglob("*.po")])
    assert len(files) > 30
    refused = {}
    for path in files:
        checked = subprocess.run([msgfmt, "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True,
                                 timeout=60, check=False)
        if checked.returncode != 0:
            refused[str(path.relative_to(ROOT))] = checked.stderr
    assert refused == {}


PARENTHESISED = re.compile(r"\w\((?:e|s|es|x|n|en|nen|ne)\)|\((?:re|her)\)\w", re.IGNORECASE)


def test_no_text_needs_a_parenthesised_form() -> None:
    """« ajouté(e) », « essai(s) », « (re)create »: a sentence says it for everyone, and a count
    takes its plural from ngettext."""
    found = [f"{m.where}: {m.text!r}" for m in catalogs.marked_texts().values() if PARENTHESISED.search(m.text)]
    for language in catalogs.TRANSLATED:
        catalog = i18n.catalog(language)
        texts = [*catalog._messages.values(), *(form for forms in catalog._plurals.values() for form in forms)]
        found += [f"{language}: {text!r}" for text in texts if PARENTHESISED.search(text)]
    for template in sorted((ROOT / "core" / "mail" / "templates").rglob("*.*")):
        if PARENTHESISED.search(template.read_text(encoding="utf-8")):
            found.append(str(template.relative_to(ROOT)))
    assert found == [], "Write these so that they need no parenthesised form:\n" + "\n".join(found)
