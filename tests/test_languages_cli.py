"""The command's own output in the language of whoever runs it: ``--lang``, else the locale
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else the installation's ``[platform] language``."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from immo_connect.cli import command_language

ROOT = Path(__file__).resolve().parents[1]
# Lines whose words are not the platform's: mail header names as in the mail, shell commands.
UNTRANSLATED_ON_PURPOSE = re.compile(r"^(From|To|Subject|Message-ID): |^  export |^\s*(immo-connect|Immo-Connect): \s*$")


@pytest.mark.parametrize(("chosen", "environ", "expected"), [
    ("en", {"LANG": "nl_BE.UTF-8"}, "en"),                      # --lang first
    (None, {"LANG": "nl_BE.UTF-8"}, "nl"),
    (None, {"LC_ALL": "fr_BE.UTF-8", "LANG": "nl_BE.UTF-8"}, "fr"),  # LC_ALL before LANG, as POSIX reads them
    (None, {"LC_MESSAGES": "en_GB.UTF-8", "LANG": "nl_BE.UTF-8"}, "en"),
    (None, {"LANG": "C.UTF-8"}, None),                          # no language named: the installation's
    (None, {"LANG": "de_BE.UTF-8"}, None),                      # a language the platform does not speak
    (None, {}, None),
])
def test_the_language_of_a_command(chosen: str | None, environ: dict[str, str], expected: str | None) -> None:
    assert command_language(chosen, environ) == expected


def _run(tmp_path: Path, *args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("IMMO_CONNECT_", "LC_", "LANG"))}
    environ.update(IMMO_CONNECT_DATA_DIR=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    if lang is not None:
        environ["LANG"] = lang
    config = tmp_path / "plugins.toml"
    config.touch()
    return subprocess.run([sys.executable, "-m", "immo_connect", "--config", str(config), *args], capture_output=True,
                          text=True, env=environ, timeout=120, check=False)


def test_mail_plugins_and_errors_follow_lang_then_the_installation(tmp_path: Path) -> None:
    french = _run(tmp_path, "mail")  # no LANG: the installation's language, French by default
    assert french.stdout.splitlines() == ["File d'envoi : en attente 0, envoyés 0, abandonnés 0.", "Aucun mail."]
    dutch = _run(tmp_path, "mail", lang="nl_BE.UTF-8")
    assert dutch.stdout.splitlines() == ["Verzendwachtrij: wachtend 0, verstuurd 0, opgegeven 0.", "Geen mails."]
    english = _run(tmp_path, "--lang", "en", "mail", lang="nl_BE.UTF-8")
    assert english.stdout.splitlines() == ["Outbox: 0 pending, 0 sent, 0 abandoned.", "No mails."]
    # A mistake is told in the same language, with its fix.
    refused = _run(tmp_path, "mail", "--limit", "0", lang="nl_BE.UTF-8")
    assert refused.returncode == 2 and refused.stderr.startswith("immo-connect: --limit moet minstens 1 zijn.")
    headings = _run(tmp_path, "plugins", lang="nl_BE.UTF-8").stdout.splitlines()[0].split()
    assert headings == ["NAAM", "VERSIE", "SOORT", "TOESTAND", "HOOKS"]


@pytest.mark.slow
def test_serve_says_where_it_listens_in_the_commands_language(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("IMMO_CONNECT_", "LC_", "LANG"))}
    environ.update(IMMO_CONNECT_DATA_DIR=str(tmp_path / "data"), LANG="nl_BE.UTF-8")
    (tmp_path / "plugins.toml").touch()
    server = subprocess.Popen([sys.executable, "-m", "immo_connect", "--config", str(tmp_path / "plugins.toml"),
                               "serve", "--listen", "127.0.0.1:0"], env=environ, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline().rstrip("\n") for _ in range(3)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert lines[0].startswith("Nieuwe hostsleutel ")
    assert lines[1].startswith("Vingerafdruk van de hostsleutel: SHA256:")
    assert re.fullmatch(r"Luistert op 127\.0\.0\.1:\d+", lines[2])


def _printed_literals(path: Path) -> list[str]:
    """Texts printed as written: a literal or an f-string with words outside its values."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print" and node.args):
            continue
        first = node.args[0]
        parts = ([first.value] if isinstance(first, ast.Constant) and isinstance(first.value, str) else
                 [str(v.value) for v in first.values if isinstance(v, ast.Constant)] if isinstance(first, ast.JoinedStr)
                 else [])
        text = "".join(parts)
        if re.search(r"[A-Za-z]{2,}", text) and not UNTRANSLATED_ON_PURPOSE.search(text):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text!r}")
    return found


def test_no_command_prints_an_untranslated_text() -> None:
    paths = [*sorted((ROOT / "core" / "cli").glob("*.py")), ROOT / "core" / "ssh" / "serve.py",
             ROOT / "core" / "ssh" / "child.py", ROOT / "core" / "ssh" / "forced.py"]
    found = [line for path in paths for line in _printed_literals(path)]
    assert found == [], "Printed without gettext:\n" + "\n".join(found)
