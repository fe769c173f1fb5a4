"""The command line as an operator uses it: real processes, exit codes, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from immo_connect.wallet.demo import HISTORY


def run_cli(*args: str, tmp_path: Path, config: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    environ["IMMO_CONNECT_DATA_DIR"] = str(tmp_path / "data")
    environ["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    if config is not None:
        path = tmp_path / "plugins.toml"
        path.write_text(config)
        environ["IMMO_CONNECT_CONFIG"] = str(path)
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "immo_connect", *args], capture_output=True, text=True,
        env=environ, timeout=120, check=False,
    )


@pytest.mark.parametrize(
    ("config", "env", "args", "expected"),
    [
        ("[platform\nname = 'x'", {}, ["plugins"], "TOML invalide"),
        ("[plugins.nosuchplugin]\n", {}, ["plugins"], "aucun plugin nommé 'nosuchplugin'"),
        ("[mail]\nport = 'twenty-five'\n", {}, ["db", "upgrade"], "[mail] port doit être un nombre entier"),
        ("[mail]\ntransprt = 'smtp'\n", {}, ["db", "upgrade"], "clé inconnue 'transprt'"),
        ("", {"IMMO_CONNECT_DATABASE_URL": "postgresql://op:pw@127.0.0.1:1/immo"}, ["db", "upgrade"], "Impossible d'ouvrir la base de données"),
    ],
)
def test_mistakes_give_one_clear_line_and_non_zero_exit(tmp_path: Path, config: str, env: dict[str, str], args: list[str], expected: str) -> None:
    result = run_cli(*args, tmp_path=tmp_path, config=config, env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert ":pw@" not in result.stderr


def test_missing_config_file_names_it(tmp_path: Path) -> None:
    result = run_cli("plugins", tmp_path=tmp_path, env={"IMMO_CONNECT_CONFIG": str(tmp_path / "absent.toml")})
    assert result.returncode == 2
    assert "absent.toml : fichier introuvable" in result.stderr


def test_db_upgrade_then_status_then_audit(tmp_path: Path) -> None:
    first = run_cli("db", "upgrade", tmp_path=tmp_path, config="")
    assert first.returncode == 0, first.stderr
    assert "appliquée : immo_connect.audit:1" in first.stdout  # the installation's language
    again = run_cli("db", "upgrade", tmp_path=tmp_path, config="")
    assert "appliquée" not in again.stdout
    status = run_cli("db", "status", tmp_path=tmp_path, config="")
    assert "immo_connect.audit:1" in status.stdout
    demo = run_cli("demo", tmp_path=tmp_path, config="")
    assert demo.returncode == 0, demo.stderr
    audit = run_cli("audit", "--as", "ops.admin", "--action", "demo.", tmp_path=tmp_path, config="")
    assert "demo.created" in audit.stdout
    # Wallet movements come from the ledger itself, shown like any event.
    charges = run_cli("audit", "--as", "ops.admin", "--action", "wallet.charge", "--actor", "marc.dubois", tmp_path=tmp_path, config="")
    assert charges.returncode == 0, charges.stderr
    lines = [line for line in charges.stdout.splitlines() if "wallet.charge" in line]
    expected = sum(1 for entry in HISTORY if entry[2] == "charge" and entry[3] == "marc.dubois")
    assert len(lines) == expected and all("marc.dubois" in line for line in lines)
    assert sum("échec" in line for line in lines) == 1  # the refused lot (balance too low)
    none = run_cli("audit", "--as", "ops.admin", "--actor", "nobody-at-all", tmp_path=tmp_path, config="")
    assert none.stdout.strip() == "Aucun événement."  # the installation's language: LANG names none
    bad = run_cli("audit", "--as", "ops.admin", "--limit", "0", tmp_path=tmp_path, config="")
    assert bad.returncode == 2 and "--limit" in bad.stderr


def test_plugins_lists_name_version_kind_state(tmp_path: Path) -> None:
    from immo_connect import __version__
    from immo_connect.plugin_host import BUILTIN_PLUGINS, OPT_IN_PLUGINS

    result = run_cli("plugins", tmp_path=tmp_path, config="")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    if not BUILTIN_PLUGINS:
        assert lines == ["Aucun plugin."]
        return
    assert lines[0].split() == ["NOM", "VERSION", "NATURE", "ÉTAT", "HOOKS"]
    for name in BUILTIN_PLUGINS:
        row = next(line.split() for line in lines if line.split()[0] == name)
        state = "désactivé" if name in OPT_IN_PLUGINS else "activé"  # the sandbox waits to be asked for
        assert row[1:4] == [__version__, "intégré", state]


def test_version_and_help(tmp_path: Path) -> None:
    assert run_cli("--version", tmp_path=tmp_path).stdout.startswith("immo-connect ")
    usage = run_cli("--help", tmp_path=tmp_path).stdout
    for command in ("run", "demo", "db", "plugins", "audit"):
        assert command in usage
