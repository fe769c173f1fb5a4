"""The command's --help and argparse's own messages (usage, headings, parsing errors) in the
language of whoever runs it, with no word of another language."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from immo_connect import i18n
from immo_connect.cli import build_parser, main
from immo_connect.cli._argparse_i18n import ARGPARSE_TEXTS, parsing_language

# Words only one of the three languages writes in these texts.
WORDS: dict[str, tuple[str, ...]] = {
    "en": ("the", "and", "with", "usage", "options", "error", "required", "default", "only", "this", "from",
           "for", "when", "which", "its", "list", "print", "invalid", "choice", "arguments", "amount", "USERNAME",
           "organisation", "COMMAND", "DESCRIPTION", "KEY", "REFERENCE", "LANGUAGE", "FILE", "DAYS"),
    "fr": ("le", "la", "les", "des", "du", "et", "pour", "avec", "utilisation", "erreur", "défaut", "seulement",
           "affiche", "obligatoires", "montant", "UTILISATEUR", "COMMANDE", "CLÉ", "LANGUE", "FICHIER"),
    "nl": ("de", "het", "en", "van", "met", "voor", "gebruik", "opties", "fout", "standaard", "alleen", "toont",
           "verplicht", "bedrag", "GEBRUIKERSNAAM", "OPDRACHT", "SLEUTEL", "TAAL", "BESTAND", "argumenten"),
}
# Words of another language's list that a language writes too (« options », « de »).
ALSO_WRITES: dict[str, frozenset[str]] = {
    "fr": frozenset({"options", "arguments", "organisation", "DESCRIPTION", "usage", "de", "met", "en"}),
    "nl": frozenset(),
    "en": frozenset(),
}


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in {id(p): p for p in action.choices.values()}.values():
                yield from _parsers(subparser)


def _code_words(parser: argparse.ArgumentParser) -> set[str]:
    """What a person types as written, in every language: options, commands, choices."""
    words = {"immo-connect", "Immo-Connect"}
    for each in _parsers(parser):
        for action in each._actions:
            words.update(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                words.update(action.choices)
            elif action.choices:
                words.update(str(choice) for choice in action.choices)
    return words


def foreign_words(text: str, language: str, code_words: set[str]) -> list[str]:
    # Typed words, configuration keys ([mail] poll_seconds), variables and paths are not words.
    text = re.sub(r"\[[a-z]+\]( [a-z_]+)?|\b[A-Z]+(_[A-Z]+)+\b|\S+\.(md|toml|csv|key|053)\b|'[^']*'", " ", text)
    tokens = [token for token in re.split(r"[\s,;:()]+", text) if token and token not in code_words]
    kept = " ".join(tokens)
    return sorted({f"{other}: {word!r}" for other, words in WORDS.items() if other != language
                   for word in words if word not in ALSO_WRITES[language] and re.search(rf"(?<![\w'-]){re.escape(word)}(?![\w'-])", kept)})


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_every_commands_help_is_in_one_language(language: str) -> None:
    """The help of the command and of each subcommand, usage line and headings included."""
    with i18n.using(language):
        parser = build_parser()
        code_words = _code_words(parser)
        found = {each.prog: wrong for each in _parsers(parser)
                 if (wrong := foreign_words(each.format_help(), language, code_words))}
    assert found == {}, f"Words of another language in the {language} help: {found}"


def test_the_help_names_values_in_the_language_of_the_reader() -> None:
    with i18n.using("nl"):
        usage = build_parser()._subparsers._group_actions[0].choices["wallet"].format_help()  # type: ignore[union-attr]
    assert usage.startswith("gebruik: immo-connect wallet [-h] ACTIE ...")
    assert "argumenten:" in usage and "opties:" in usage and "toont deze hulp en stopt" in usage


@pytest.mark.parametrize(("language", "expected"), [
    ("nl", "immo-connect wallet correct: fout: deze argumenten zijn verplicht: organisatie, bedrag, --as, "
           "--description, --key"),
    ("fr", "immo-connect wallet correct : erreur : ces arguments sont obligatoires : organisation, montant, --as, "
           "--description, --key"),
    ("en", "immo-connect wallet correct: error: the following arguments are required: organisation, amount, --as, "
           "--description, --key"),
])
def test_a_missing_argument_is_told_in_the_language_of_the_command(
        language: str, expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--lang", language, "wallet", "correct"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == expected


def test_a_wrong_choice_is_told_in_the_locales_language(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "nl_BE.UTF-8")
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(SystemExit):
        main(["mail", "--status", "lost"])
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("immo-connect mail: fout: argument --status: ongeldige keuze: 'lost' (kies uit ")


@pytest.mark.parametrize(("argv", "environ", "config", "expected"), [
    (["--lang", "en", "--help"], {"LANG": "nl_BE.UTF-8"}, "", "en"),
    (["--lang=nl", "mail"], {}, "", "nl"),
    (["--la", "nl", "mail"], {}, "", "nl"),                       # argparse accepts a shortened option
    (["--lang", "xx", "mail"], {"LANG": "nl_BE.UTF-8"}, "", "nl"),  # the parser tells the mistake, in Dutch
    (["mail"], {"LC_ALL": "en_US.UTF-8"}, "[platform]\nlanguage = \"nl\"\n", "en"),
    (["mail"], {}, "[platform]\nlanguage = \"nl\"\n", "nl"),      # the installation's language
    (["mail"], {}, "[platform\n", "fr"),                          # a broken file: the command reports it
])
def test_the_language_of_help_and_parsing_errors(
        tmp_path: Path, argv: list[str], environ: dict[str, str], config: str, expected: str) -> None:
    (tmp_path / "plugins.toml").write_text(config, encoding="utf-8")
    assert parsing_language(["--config", str(tmp_path / "plugins.toml"), *argv], environ) == expected


def test_argparse_translations_keep_its_placeholders() -> None:
    placeholder = re.compile(r"%(?:\([a-z_]+\))?[srd]")
    for language in ("fr", "nl"):
        catalog = i18n.catalog(language)
        for text in ARGPARSE_TEXTS:
            assert catalog.has(text), (language, text)
            assert sorted(placeholder.findall(catalog.gettext(text))) == sorted(placeholder.findall(text)), text


def test_the_installed_command_helps_in_dutch(tmp_path: Path) -> None:
    """As a person types it: ``--lang nl --help``, a subcommand's help from the locale."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("IMMO_CONNECT_", "LC_", "LANG"))}
    environ.update(IMMO_CONNECT_DATA_DIR=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    top = subprocess.run([sys.executable, "-m", "immo_connect", "--lang", "nl", "--help"], capture_output=True,
                         text=True, env=environ, timeout=120, check=True).stdout
    assert top.startswith("gebruik: immo-connect [-h] [--version] [--config PAD] [--database-url URL]")
    assert "Eén account voor de professionele toepassingen" in top and "\nopties:\n" in top
    sub = subprocess.run([sys.executable, "-m", "immo_connect", "mail", "--help"], capture_output=True, text=True,
                         env={**environ, "LANG": "nl_BE.UTF-8"}, timeout=120, check=True).stdout
    assert " ".join(sub.split()).startswith("gebruik: immo-connect mail [-h] [--to ADRES] [--status STATUS] [--limit LIMIET]")
    assert "alleen de e-mails aan dit adres" in sub
