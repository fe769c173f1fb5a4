"""The built wheel in a clean virtual environment, with a vendor plugin and a broken one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.wheel import build_wheel

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"


def sh(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, cwd=cwd, timeout=900, check=False)
    assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}{result.stderr[-3000:]}"
    return result


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")
def test_wheel_in_clean_venv_discovers_vendor_plugin_and_isolates_broken_one(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    assert "immo_connect/__init__.py" in names
    assert "immo_connect/tui/app.py" in names
    assert "immo_connect/tui/styles/app.tcss" in names
    assert any(n.startswith("immo_connect/locale/fr/LC_MESSAGES/") for n in names)
    assert not any(n.startswith(("core/", "tests/")) for n in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata and "License-File: LICENSE" in metadata
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "Curses" not in metadata and "Classifier: Environment :: Console" in metadata
    requires = [line.removeprefix("Requires-Dist: ") for line in metadata.splitlines() if line.startswith("Requires-Dist: ")]
    assert not any("==" in line.split(";")[0] for line in requires)  # ranges; exact versions live in the lock
    for native in ("pyscard", "PyKCS11", "psycopg2-binary"):
        assert all(line.endswith(("extra == \"eid\"", "extra == \"postgres\"")) for line in requires if line.startswith(native))

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
    # Every built-in plugin runs, except the sandbox payment method and the invoices' file drop,
    # which wait to be asked for.
    assert {p["name"]: p["state"] for p in listed if p["kind"] == "built-in" and p["state"] != "enabled"} == {
        "sandbox": "disabled", "invoice_drop": "disabled"}

    # A minimal install: no extra, so no native build; the card reader asks for its extra by name.
    installed = sh(venv / "bin" / "python", "-m", "pip", "list", "--format=freeze", env=env).stdout.lower()
    assert "pyscard" not in installed and "pykcs11" not in installed and "psycopg2" not in installed
    no_eid = subprocess.run([cli, "eid", "read"], capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert no_eid.returncode == 2 and "pip install 'immo-connect[eid]'" in no_eid.stderr, no_eid.stderr
    assert "Traceback" not in no_eid.stderr

    # The rest keeps working: the database is created and migrated despite the broken plugin.
    upgraded = sh(cli, "db", "upgrade", env=env, cwd=tmp_path)
    assert "est à jour" in upgraded.stdout  # the installation's language, French

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
