"""The built wheel in a clean virtual environment, with a vendor plugin and a broken one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"


def sh(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, cwd=cwd, timeout=900, check=False)
    assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}{result.stderr[-3000:]}"
    return result


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")
def test_wheel_in_clean_venv_discovers_vendor_plugin_and_isolates_broken_one(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT)
    [wheel] = dist.glob("immo_connect-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "immo_connect/__init__.py" in names
    assert "immo_connect/tui/app.py" in names
    assert "immo_connect/tui/styles/app.tcss" in names
    assert any(n.startswith("immo_connect/locale/fr/LC_MESSAGES/") for n in names)
    assert not any(n.startswith(("core/", "tests/")) for n in names)

    venv = tmp_path / "venv"
    sh(sys.executable, "-m", "venv", venv)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    sh(*pip, "-c", ROOT / "requirements.lock", wheel, DATA / "vendor_hello", DATA / "broken_plugin")

    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMMO_CONNECT_", "PYTHON", "VIRTUAL_ENV"))}
    env["IMMO_CONNECT_DATA_DIR"] = str(tmp_path / "data")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    cli = venv / "bin" / "immo-connect"

    # A plugin failed to load: the listing is complete, and the exit code (3) says so.
    with_failure = subprocess.run([cli, "plugins", "--json"], capture_output=True, text=True, env=env, cwd=tmp_path,
                                  timeout=900, check=False)
    assert with_failure.returncode == 3 and "broken_plugin" in with_failure.stderr, with_failure.stderr
    listed = json.loads(with_failure.stdout)
    by_name = {p["name"]: p for p in listed}
    assert by_name["vendor_hello"]["state"] == "enabled"
    assert by_name["vendor_hello"]["version"] == "1.2.0"
    assert by_name["vendor_hello"]["kind"] == "external"
    assert "immo_connect_account_created" in by_name["vendor_hello"]["hooks"]
    assert by_name["broken_plugin"]["state"] == "failed"
    assert "a_dependency_that_is_not_installed" in by_name["broken_plugin"]["reason"]
    # Every built-in plugin runs, except the sandbox payment method, which waits to be asked for.
    assert {p["name"]: p["state"] for p in listed if p["kind"] == "built-in" and p["state"] != "enabled"} == {
        "sandbox": "disabled"}

    # The rest keeps working: the database is created and migrated despite the broken plugin.
    upgraded = sh(cli, "db", "upgrade", env=env, cwd=tmp_path)
    assert "up to date" in upgraded.stdout

    config = tmp_path / "plugins.toml"
    config.write_text('[plugins.vendor_hello]\nenabled = false\n\n[plugins.broken_plugin]\nenabled = false\n')
    listed = json.loads(sh(cli, "--config", config, "plugins", "--json", env=env, cwd=tmp_path).stdout)
    states = {p["name"]: p["state"] for p in listed}
    assert states["vendor_hello"] == "disabled"
    assert states["broken_plugin"] == "disabled"

    config.write_text('[plugins.vendor_hello]\ngreeting = "Welkom"\nlog_fil = "x"\n')
    refused = subprocess.run([cli, "--config", config, "plugins"], capture_output=True, text=True, env=env, check=False)
    assert refused.returncode == 2
    assert "[plugins.vendor_hello] : clé inconnue 'log_fil'" in refused.stderr
    assert "Traceback" not in refused.stderr
