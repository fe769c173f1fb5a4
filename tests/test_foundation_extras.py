"""A minimal install (no ``[eid]``, no ``[postgres]`` extra) works, and asks for an extra by name.

The extras' modules are hidden from a fresh interpreter by an import hook placed before
anything is imported, as if pyscard, PyKCS11 and psycopg2 had never been installed (peewee
then finds no PostgreSQL driver, exactly as in such an installation).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from immo_connect import audit
from immo_connect.eid.shortcode import grouped, new_code
from immo_connect.extras import ExtraMissing
from immo_connect.platform import Platform
from tests.support.factories import make_account

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = ("smartcard", "PyKCS11", "psycopg2")

HIDE = textwrap.dedent(f'''
    import importlib.abc, sys

    class NotInstalled(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {HIDDEN!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
''')


def run_without_extras(code: str, *args: str, tmp_path: Path, env: dict[str, str] | None = None,
                       stdin: str = "") -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    environ["IMMO_CONNECT_DATA_DIR"] = str(tmp_path / "data")
    environ["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    environ["PYTHONPATH"] = str(ROOT)
    environ.update(env or {})
    return subprocess.run([sys.executable, "-c", HIDE + code, *args], capture_output=True, text=True, env=environ,
                          input=stdin, cwd=tmp_path, timeout=120, check=False)


CLI = "from immo_connect.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def test_every_module_imports_without_the_extras(tmp_path: Path) -> None:
    code = textwrap.dedent('''
        import importlib, pkgutil
        import immo_connect
        names = [m.name for m in pkgutil.walk_packages(immo_connect.__path__, "immo_connect.")
                 if not m.name.endswith("__main__")]  # that one starts the program
        for name in names:
            importlib.import_module(name)
        print(len(names), sorted(m for m in sys.modules if m.split(".")[0] in HIDDEN))
    ''').replace("HIDDEN", repr(HIDDEN))
    result = run_without_extras(code, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    count, loaded = result.stdout.split(" ", 1)
    assert int(count) > 100  # core, tui and the built-in plugins
    assert loaded.strip() == "[]"


def test_sqlite_platform_runs_without_the_extras(tmp_path: Path) -> None:
    upgraded = run_without_extras(CLI, "db", "upgrade", tmp_path=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "est à jour" in upgraded.stdout
    plugins = run_without_extras(CLI, "plugins", tmp_path=tmp_path)
    assert plugins.returncode == 0, plugins.stderr
    assert "failed" not in plugins.stdout


@pytest.mark.parametrize(
    ("args", "env", "extra"),
    [
        (["db", "upgrade"], {"IMMO_CONNECT_DATABASE_URL": "postgresql://op:pw@127.0.0.1:1/immo"}, "postgres"),
        (["serve", "--listen", "127.0.0.1:0"], {"IMMO_CONNECT_DATABASE_URL": "postgres://op@localhost/immo"}, "postgres"),
        (["eid", "read"], {}, "eid"),
        # A well-formed code: a cut or mistyped one is refused before the extra is looked for.
        (["eid", "sign", grouped(new_code()), "--pin-stdin"], {}, "eid"),
    ],
)
def test_a_missing_extra_is_one_line_naming_the_install_command(
    tmp_path: Path, args: list[str], env: dict[str, str], extra: str
) -> None:
    result = run_without_extras(CLI, *args, tmp_path=tmp_path, env=env, stdin="1234\n")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"pip install 'immo-connect[{extra}]'" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert ":pw@" not in result.stderr


def test_linking_a_card_without_the_eid_extra_says_which_extra(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, english: None
) -> None:
    for name in ("smartcard", "smartcard.scard", "PyKCS11"):
        monkeypatch.setitem(sys.modules, name, None)  # import now raises ImportError
    account = make_account()
    with pytest.raises(ExtraMissing) as caught:
        platform.eid.link_local(account, pin="1234")
    assert caught.value.code == "extra_missing"
    assert caught.value.extra == "eid"
    assert "eID card" in caught.value.message
    assert "pip install 'immo-connect[eid]'" in caught.value.hint
    [entry] = audit.query(audit.AuditFilter(action="eid.link"))
    assert (entry.outcome, json.loads(entry.detail)["reason"]) == ("failed", "extra_missing")
