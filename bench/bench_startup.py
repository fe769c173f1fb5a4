"""Cold start to the first painted screen: the real app against a minimal Textual app.

Both run headless in a fresh Python process and exit as soon as their first frame is
painted; the real app also opens (and checks) its SQLite database and loads its plugins.
Goal: at most 1.5x the minimal app.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import interleave, report, run_process  # noqa: E402

MINIMAL = """
from textual.app import App
from textual.widgets import Label

class Minimal(App):
    def compose(self):
        yield Label("Immo-Connect")
    def on_ready(self):
        self.call_after_refresh(self.exit)

Minimal().run(headless=True, size=(100, 30))
"""

REAL = """
from immo_connect.platform import create_platform
from immo_connect.tui.app import ImmoConnectApp

class FirstFrame(ImmoConnectApp):
    def on_ready(self):
        self.call_after_refresh(self.exit)

FirstFrame(create_platform(source="tui")).run(headless=True, size=(100, 30))
"""


def main() -> None:
    data = tempfile.mkdtemp(prefix="immo-bench-")
    env = {**os.environ, "IMMO_CONNECT_DATA_DIR": data, "TEXTUAL_ANIMATIONS": "none"}
    env.pop("IMMO_CONNECT_CONFIG", None)
    env.pop("IMMO_CONNECT_DATABASE_URL", None)
    # First run creates and migrates the database; starts after that are what users wait for.
    run_process([sys.executable, "-c", REAL], env)
    baseline, measured = interleave(
        lambda: run_process([sys.executable, "-c", MINIMAL], env),
        lambda: run_process([sys.executable, "-c", REAL], env),
        rounds=7,
    )
    report("start-up to first painted screen (real app vs one-Label Textual app)", baseline, measured, goal="<= 1.5x")


if __name__ == "__main__":
    main()
