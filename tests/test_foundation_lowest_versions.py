"""The lower bounds of setup.cfg are true: with every dependency at its lowest allowed version,
the features that use it still work.

A fresh environment gets exactly the lower bound of each requirement (extras included), the
test tools, and Immo-Connect's wheel; then the tests of the features of each library run
there: sign-in (cryptography's Argon2id), the terminal UI (Textual, Rich), plugins (pluggy,
packaging), storage (peewee, psycopg2), vouchers and QR codes (fpdf2, segno), photos
(Pillow), legacy hashes (bcrypt), bank statements (defusedxml), mail (aiosmtplib), SSH
(asyncssh), number formats (python-stdnum), amounts and dates by language (Babel), the eID card (pyscard, PyKCS11) and the web
sign-in for tools (Authlib, joserfc, Starlette, uvicorn, httpx).
"""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.support.wheel import build_wheel

ROOT = Path(__file__).resolve().parents[1]

FEATURE_TESTS = [
    "tests/test_accounts_login.py", "tests/test_accounts_legacy.py", "tests/test_accounts_profile.py",
    "tests/test_foundation_tui.py", "tests/test_foundation_plugins.py",
    "tests/test_foundation_storage.py", "tests/test_wallet_formats.py", "tests/test_payments_topup.py",
    "tests/test_bank_parsers.py", "tests/test_mail_delivery.py", "tests/test_ssh_server.py",
    "tests/test_formats_stdnum.py", "tests/test_languages_formats.py", "tests/test_eid_pin.py", "tests/test_eid_remote.py",
    "tests/test_sso_code.py", "tests/test_sso_logout.py",
]

TEST_TOOLS = {"pytest", "pytest-asyncio", "pytest-xdist", "hypothesis", "aiosmtpd", "pytest-textual-snapshot", "syrupy"}


def declared_requirements() -> list[Requirement]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    lines = config["options"]["install_requires"].splitlines()
    for extra in ("eid", "postgres"):
        lines += config["options.extras_require"][extra].splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.strip().startswith("#")]


def lowest_pins() -> list[str]:
    pins = []
    for requirement in declared_requirements():
        lower = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        assert len(lower) == 1, f"{requirement}: every requirement needs one lower bound (>=)"
        pins.append(f"{requirement.name}=={lower[0]}")
    return pins


def test_every_requirement_is_a_range_with_a_lower_bound() -> None:
    for requirement in declared_requirements():
        operators = {spec.operator for spec in requirement.specifier}
        assert "==" not in operators, f"{requirement}: exact versions belong in requirements.lock"
        assert ">=" in operators, f"{requirement}: no lower bound"
    assert all(re.fullmatch(r"[\w.-]+==[\w.]+", pin) for pin in lowest_pins())


@pytest.mark.slow
@pytest.mark.xdist_group("lowest-versions")
def test_features_work_with_every_dependency_at_its_lower_bound(tmp_path: Path) -> None:
    def run(*args: str | Path, env: dict[str, str] | None = None, timeout: int = 900) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=ROOT, env=env,
                                timeout=timeout, check=False)
        assert result.returncode == 0, f"{args}: {result.stdout[-4000:]}{result.stderr[-3000:]}"
        return result

    wheel = build_wheel(tmp_path / "dist")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    pins = tmp_path / "lowest.txt"
    pins.write_text("\n".join(lowest_pins()) + "\n")
    run(*pip, "-r", pins)
    # The test tools at their locked versions; pip must not move any pinned library.
    tools = [line for line in (ROOT / "requirements-dev.lock").read_text().splitlines()
             if line.split("==")[0] in TEST_TOOLS]
    run(*pip, "-c", pins, *tools)
    run(*pip, "--no-deps", wheel)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMMO_CONNECT_", "PYTHON", "VIRTUAL_ENV"))}
    result = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "1", *FEATURE_TESTS,
                 env=env, timeout=1500)
    assert " passed" in result.stdout and " failed" not in result.stdout


def locked(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        if line and not line.startswith("#"):
            package, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", package).lower()] = version
    return pins


def test_the_runtime_lock_holds_what_the_program_runs_on_and_the_dev_lock_the_tools() -> None:
    runtime, dev = locked("requirements.lock"), locked("requirements-dev.lock")
    for requirement in declared_requirements():
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in runtime, f"{name} missing from requirements.lock"
        assert requirement.specifier.contains(runtime[name]), f"{name}=={runtime[name]} outside {requirement}"
    for tool in ("pytest", "ruff", "mypy", "hypothesis", "aiosmtpd", "build"):
        assert tool in dev and tool not in runtime
    assert not set(runtime) & set(dev)
