"""A tool plugin from a separate distribution, installed by pip, appears like the built-ins.

The example distribution (tests/data/vendor_tool) is installed with pip into a temporary
target folder; a fresh interpreter of the test environment, with that folder on its path,
finds it through the ``immo_connect`` entry point: in the tool catalogue, registered and
started like a built-in tool, and on the "Outils" page of the terminal UI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "vendor_tool"
ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent('''
    import asyncio, json, sys
    from pathlib import Path

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
        from immo_connect.tui.screens._tool_launch import open_tool
        from immo_connect.tui.screens.tools import ToolsScreen

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
