"""A tool plugin from a separate distribution, installed by pip, appears like the built-ins.

The example distribution (tests/data/vendor_tool) is installed with pip into a temporary
target folder; a fresh interpreter of the test environment, with that folder on its path,
finds it through the ``immo_connect`` entry point: in the tool catalogue, registered and
started like a built-in tool, and on the "Outils" page of the terminal UI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.support.wheel import build_wheel

DATA = Path(__file__).parent / "data" / "vendor_tool"
ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent('''
    import asyncio, json, sys
    from pathlib import Path

    from immo_connect import i18n
    from immo_connect.config import load_settings
    from immo_connect.platform import create_platform
    from tests.support.factories import make_account, make_organisation
    from tests.support.tools import AGENT_AND_SYNDIC, link_identity, registers_config

    work = Path(sys.argv[1])
    config = work / "plugins.toml"
    config.write_text(registers_config())
    environ = {"IMMO_CONNECT_DATA_DIR": str(work / "data")}
    settings = load_settings(config, environ=environ, database_url=f"sqlite:///{work / 'immo.sqlite3'}")
    platform = create_platform(settings, environ=environ, load_entrypoints=True)
    info = {p.name: p for p in platform.plugins.plugins()}["pebcheck"]
    marc = make_account("marc.janssens", first_name="Marc", last_name="Janssens")
    link_identity(platform, marc, AGENT_AND_SYNDIC)
    agency = make_organisation(marc, name="Agence du Parc")
    platform.tools.register(marc, agency.id, "pebcheck", "agent")
    context = platform.tools.start(marc, "pebcheck", agency.id, "agent")

    async def tui():
        from immo_connect.tui.app import ImmoConnectApp
        from immo_connect.tui.screens.tools._tool_launch import open_tool
        from immo_connect.tui.screens.tools.tools import ToolsScreen

        from tests.support.accounts import session_for

        app = ImmoConnectApp(platform)
        async with app.run_test(size=(140, 40)) as pilot:
            app.session = session_for(platform, marc)
            await app.push_screen(ToolsScreen(agency.id))
            for _ in range(200):
                await pilot.pause()
                if app.screen.overview:
                    break
            table = app.screen.query_one("#tools-table")
            rows = [" | ".join(map(str, table.get_row_at(i))) for i in range(table.row_count)]
            open_tool(app, context)
            await pilot.pause()
            title = str(app.screen.query_one("#pebcheck-title").render())
        return rows, title

    rows, title = asyncio.run(tui())
    print(json.dumps({
        "kind": info.kind, "version": info.version, "state": info.state,
        "catalogue": [t.name for t in platform.tools.catalogue()],
        "plugin": platform.tools.tool("pebcheck").plugin,
        "qualities": [(q.organisation_name, q.mode) for q in platform.tools.qualities(marc, "pebcheck")],
        "context": [context.tool, context.organisation_id], "rows": rows, "title": title,
        "described": {language: i18n.catalog(language).gettext(platform.tools.tool("pebcheck").short_description)
                      for language in ("fr", "nl", "en")},
    }))
''')


@pytest.mark.slow
def test_a_vendor_tool_installed_by_pip_appears_among_the_tools(tmp_path: Path) -> None:
    source = tmp_path / "vendor_tool"
    shutil.copytree(DATA, source)  # the build writes into the source tree: keep the repository clean
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
         "--target", str(target), str(source)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    assert (target / "immo_vendor_pebcheck" / "__init__.py").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    env["PYTHONPATH"] = os.pathsep.join([str(target), str(ROOT)])
    env["TEXTUAL_ANIMATIONS"] = "none"
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert (found["kind"], found["version"], found["state"]) == ("external", "0.3.0", "enabled")
    assert "pebcheck" in found["catalogue"] and "cadastrefinder" in found["catalogue"]
    assert found["plugin"] == "pebcheck"
    assert found["qualities"] == [["Agence du Parc", "agent"]]
    assert any(row.startswith("PEB Check | ✓") for row in found["rows"])
    assert found["title"] == "PEB Check — Agence du Parc"
    # The vendor's own catalogues, installed with its wheel, translate its texts.
    assert found["described"] == {
        "fr": "Vérifiez le certificat PEB d'un bien avant de le mettre en vente.",
        "nl": "Controleer het EPC-attest van een pand voor u het te koop zet.",
        "en": "Check the EPC certificate of a property before putting it on the market."}


GUIDE = ROOT / "docs" / "vendor-tool-guide.md"
# A code block of the guide that is a file of the example starts with its path as a comment.
_FILE_BLOCK = re.compile(r"```\w+\n(?:# |/\* )([\w./-]+\.(?:toml|py|tcss))(?: \*/)?\n(.*?)```", re.DOTALL)


def guide_files() -> dict[str, str]:
    text = GUIDE.read_text(encoding="utf-8")
    return {path: f"# {path}\n{body}" if not path.endswith(".tcss") else f"/* {path} */\n{body}"
            for path, body in _FILE_BLOCK.findall(text)}


def test_the_guide_writes_out_every_file_of_its_example() -> None:
    files = guide_files()
    assert set(files) == {"pyproject.toml", "src/immo_vendor_pebcheck/__init__.py",
                          "src/immo_vendor_pebcheck/screen.py", "src/immo_vendor_pebcheck/pebcheck.tcss",
                          "tests/test_pebcheck.py"}
    assert "tui._service" not in GUIDE.read_text(encoding="utf-8")  # private: vendors use immo_connect.tui


@pytest.mark.slow
@pytest.mark.xdist_group("guide")
def test_the_guide_example_builds_installs_and_passes_its_own_test(tmp_path: Path) -> None:
    """The guide's files, as printed, make a wheel that works next to Immo-Connect's wheel."""
    project = tmp_path / "pebcheck"
    for path, text in guide_files().items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text, encoding="utf-8")
    dist = tmp_path / "dist"

    def run(*args: str | Path, cwd: Path = tmp_path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env,
                                timeout=900, check=False)
        assert result.returncode == 0, f"{args}: {result.stdout[-3000:]}{result.stderr[-3000:]}"
        return result

    platform_wheel = build_wheel(dist)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, project)
    [vendor_wheel] = dist.glob("immo_vendor_pebcheck-*.whl")
    assert "immo_vendor_pebcheck/pebcheck.tcss" in zipfile.ZipFile(vendor_wheel).namelist()

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    pytest_pin = next(line for line in (ROOT / "requirements-dev.lock").read_text().splitlines()
                      if line.startswith("pytest=="))
    # The vendor's wheel requires immo-connect: pip takes it from the wheel given alongside.
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-c", ROOT / "requirements.lock",
        platform_wheel, vendor_wheel, pytest_pin)

    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMMO_CONNECT_", "PYTHON", "VIRTUAL_ENV", "XDG_"))}
    env.update(HOME=str(home), TEXTUAL_ANIMATIONS="none")
    result = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_pebcheck.py", cwd=project, env=env)
    assert "2 passed" in result.stdout
    assert not any(home.iterdir()), "the guide's test wrote into the user's home"
