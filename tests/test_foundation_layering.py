"""Layering and packaging rules that keep the core small and the UI replaceable."""

from __future__ import annotations

import configparser
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# signer/ holds the eID signer's own distribution; its package folder is signer/immo_connect_eid.
MAPPING = {"core": "immo_connect", "tui": "immo_connect.tui", "plugins": "immo_connect.plugins", "signer": ""}


def _module_name(path: Path) -> str:
    folder = path.relative_to(ROOT).parts[0]
    parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(part for part in [MAPPING[folder], *parts] if part)


def _is_ui_module(name: str) -> bool:
    """Screens of tool plugins live in modules named ``screen``/``screens``; only the TUI imports them."""
    return any(part in ("screen", "screens") or part.startswith("screen_") for part in name.split("."))


def headless_modules() -> list[str]:
    names = []
    for folder in ("core", "plugins"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = _module_name(path)
            if not _is_ui_module(name) and path.name != "__main__.py":
                names.append(name)
    return names


def test_core_and_plugins_import_without_textual() -> None:
    modules = headless_modules()
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [], "these modules pulled in Textual"
    assert len(modules) > 10


def test_cli_listing_does_not_import_textual(tmp_path: Path) -> None:
    code = (
        "import sys, json\n"
        "from immo_connect.cli import main\n"
        "main(['plugins'])\n"
        "print(json.dumps('textual' in sys.modules))\n"
    )
    env = {"IMMO_CONNECT_DATA_DIR": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "false"


def test_every_package_folder_is_listed_in_setup_cfg() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    on_disk = {_module_name(init) for folder in MAPPING for init in (ROOT / folder).rglob("__init__.py")}
    assert on_disk - listed == set(), "add these packages to setup.cfg"
    assert listed - on_disk == set(), "these packages in setup.cfg have no folder"


def test_modules_stay_small() -> None:
    too_long = {
        str(path.relative_to(ROOT)): n
        for folder in MAPPING
        for path in (ROOT / folder).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 700
    }
    assert too_long == {}, "split these modules"
