"""The laptop eID signer (``immo-connect-eid``): its own small distribution, without the platform.

The wheel is built from ``signer/`` and installed into a clean virtual environment that has
no Immo-Connect platform; run there, it signs the challenge of a waiting SSH screen with
the emulated card (private pcscd + vpcd + emulator, SoftHSM2 as the eID software), and the
screen completes by itself.
"""

from __future__ import annotations

import ast
import asyncio
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from immo_connect.accounts.models import Account
from immo_connect.platform import Platform
from immo_connect_eid import i18n as signer_i18n
from tests.support.accounts import registered_and_active
from tests.support.docs import block_with
from tests.support.eid import PCSCD, EidStack, Pkis
from tests.test_eid_tui import _open_the_remote_screen, _until_screen, served_platform, text_of

__all__ = ["served_platform"]  # the fixture, shared with the terminal UI tests

ROOT = Path(__file__).resolve().parents[1]
SIGNER = ROOT / "signer"


def signer_texts() -> dict[str, str]:
    """Every literal the signer marks with ``_`` or ``N_`` -> where it is."""
    found: dict[str, str] = {}
    for path in sorted((SIGNER / "immo_connect_eid").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "N_") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_signer_text_has_its_translation(language: str) -> None:
    translated = signer_i18n.catalog(language)
    texts = signer_texts()
    assert len(texts) > 30
    missing = [f"{where}: {text!r}" for text, where in texts.items() if not translated.get(text)]
    assert not missing, f"Signer texts without {language}:\n" + "\n".join(missing)


def test_the_signers_help_and_errors_are_dutch_for_a_dutch_computer() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))} | {"LANG": "nl_BE.UTF-8"}
    run = [sys.executable, "-m", "immo_connect_eid"]
    helped = subprocess.run([*run, "--help"], capture_output=True, text=True, env=environ, timeout=60, check=True)
    assert helped.stdout.startswith("gebruik: immo-connect-eid [-h] [--version] [--language {fr,nl,en}] ACTIE ...")
    assert "\nopties:\n" in helped.stdout and "ondertekent de uitdaging" in helped.stdout
    refused = subprocess.run([*run, "sign"], capture_output=True, text=True, env=environ, timeout=60, check=False)
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[-1] == "immo-connect-eid sign: fout: deze argumenten zijn verplicht: CODE"
    english = subprocess.run([*run, "--language", "en", "sign"], capture_output=True, text=True, env=environ,
                             timeout=60, check=False)
    assert english.stderr.splitlines()[-1] == (
        "immo-connect-eid sign: error: the following arguments are required: CODE")


def test_the_signer_package_never_imports_the_platform() -> None:
    sources = sorted((SIGNER / "immo_connect_eid").rglob("*.py"))
    assert len(sources) > 1, SIGNER  # the package is where the test reads it
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(name == "immo_connect" or name.startswith("immo_connect.") for name in names), path


DOC = "eid-signer.md"
DOC_ADDRESS, DOC_CODE = "https://immo.example.be", "K7M2P-XQ4R4"


def test_the_documented_installs_name_this_distribution() -> None:
    import re
    import tomllib

    name = tomllib.loads((SIGNER / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    text = (ROOT / "docs" / DOC).read_text(encoding="utf-8")
    installs = re.findall(r"pipx (?:install|upgrade|uninstall) ([\w.-]*\w)", text)
    assert len(installs) >= 5 and set(installs) == {name}
    for system in ("## Windows", "## macOS", "## Linux"):
        assert system in text


def build_signer_wheel(folder: Path) -> Path:
    source = folder / "signer-source"
    shutil.copytree(SIGNER, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(source)],
                   capture_output=True, text=True, timeout=600, check=True)
    [wheel] = folder.glob("immo_connect_eid-*.whl")
    return wheel


@pytest.fixture(scope="module")
def signer_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean virtual environment with only the signer wheel (and pyscard, PyKCS11) installed."""
    folder = tmp_path_factory.mktemp("signer")
    wheel = build_signer_wheel(folder)
    names = zipfile.ZipFile(wheel).namelist()
    assert all(name.startswith(("immo_connect_eid/", "immo_connect_eid-")) for name in names), names
    assert "immo_connect_eid/locale/fr/LC_MESSAGES/immo_connect_eid.po" in names
    assert "immo_connect_eid/locale/nl/LC_MESSAGES/immo_connect_eid.po" in names
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    requires = sorted(line.split(";")[0].split(">")[0].split("=")[0].strip()
                      for line in metadata.splitlines() if line.startswith("Requires-Dist: "))
    assert requires == ["Requires-Dist: PyKCS11", "Requires-Dist: pyscard", "Requires-Dist: tzdata"]
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "-c", str(ROOT / "requirements.lock"), str(wheel)],
                   capture_output=True, text=True, timeout=600, check=True)
    return venv


def laptop(venv: Path, home: Path, *args: str, stdin: str = "", extra_env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    """``immo-connect-eid`` as the laptop runs it: its own environment, an empty home folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMMO_CONNECT_", "PYTHON", "VIRTUAL_ENV"))}
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local"),
                "LANGUAGE": "fr", **(extra_env or {})})
    return subprocess.run([str(venv / "bin" / "immo-connect-eid"), *args], input=stdin, capture_output=True,
                          text=True, env=env, cwd=home, timeout=120, check=False)


@pytest.mark.slow
@PCSCD
async def test_the_signer_wheel_signs_without_the_platform_and_the_ssh_screen_links(
    signer_venv: Path, served_platform: Platform, eid_reader: EidStack, pkis: Pkis, tmp_path: Path,
) -> None:
    from immo_connect.tui.remote import RemoteApp

    python = signer_venv / "bin" / "python"
    alone = subprocess.run([str(python), "-c", "import immo_connect"], capture_output=True, text=True, check=False)
    assert alone.returncode != 0 and "No module named 'immo_connect'" in alone.stderr  # no platform here
    home = tmp_path / "home"
    home.mkdir()
    card_env = eid_reader.environ()

    # The commands of docs/eid-signer.md as written; only the official eID software's place
    # differs here (the emulated card's token module).
    check = block_with(DOC, "immo-connect-eid check").split()
    sign_words = block_with(DOC, "immo-connect-eid sign").split()
    assert check == ["immo-connect-eid", "check"]
    module = ("--pkcs11-module", eid_reader.module)

    # Without a card: the check says what is missing, in the laptop's language, no traceback.
    empty = laptop(signer_venv, home, *check[1:], *module, extra_env=card_env)
    assert empty.returncode == 2 and "pas de carte eID" in empty.stderr and "Traceback" not in empty.stderr

    signed = registered_and_active(served_platform, username="lea.laptop", email="lea.laptop@example.be")
    issued = pkis.ec.issue_card()
    eid_reader.insert(issued)
    ready = laptop(signer_venv, home, *check[1:], *module, extra_env=card_env)
    assert ready.returncode == 0, ready.stderr
    assert "✓ Logiciel eID" in ready.stdout and "✓ Lecteur de carte" in ready.stdout and "applet 1.8" in ready.stdout

    app = RemoteApp(served_platform)
    async with app.run_test(size=(100, 30)) as pilot:
        command = await _open_the_remote_screen(pilot, "lea.laptop")
        words = command.split()
        assert command == " ".join(sign_words).replace(DOC_ADDRESS, words[-2]).replace(DOC_CODE, words[-1])
        # A mistyped code is refused before any PIN is asked.
        code = words[-1]
        typo = code[:-1] + ("2" if code[-1] != "2" else "3")
        refused = await asyncio.to_thread(laptop, signer_venv, home, *words[1:-1], typo, "--pin-stdin", *module,
                                          stdin="1234\n", extra_env=card_env)
        assert refused.returncode == 2 and "PIN" not in refused.stderr
        assert refused.stderr.startswith("immo-connect-eid: Le défi est incomplet ou endommagé.")

        done = await asyncio.to_thread(laptop, signer_venv, home, *words[1:], "--pin-stdin", *module,
                                       stdin=issued.pin + "\n", extra_env=card_env)
        assert done.returncode == 0, done.stderr
        assert done.stdout == "" and "(heure belge)" in done.stderr and "liée" in done.stderr
        await _until_screen(pilot, "EidLinkScreen")
        for _ in range(200):
            if text_of(app, "#eid-result"):
                break
            await pilot.pause(0.05)
        assert text_of(app, "#eid-result").startswith("✓")
    assert Account.get_by_id(signed.account_id).eid_linked_at is not None
    assert sorted(p.name for p in home.rglob("*")) == []  # nothing written on the laptop
