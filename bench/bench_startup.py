"""Cold start to the first painted screen: the real app against a minimal Textual app.

Both run headless in a fresh Python process. Each reports the wall-clock moment its first
frame is painted; the time from spawning the process to that moment is the cold start (the
interpreter, imports, and the app's own set-up until the sign-in screen is on screen). The
real app builds its platform (database, plugins) right after that first frame, as it does
for users. Goal: at most 1.5x the minimal app.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import subprocess
import time

from _common import interleave, report

MINIMAL = """
import time
from textual.app import App
from textual.widgets import Label

class Minimal(App):
    def compose(self):
        yield Label("Immo-Connect")
    def on_ready(self):
        self.call_after_refresh(painted, self)

def painted(app):
    print(time.time(), flush=True)
    app.exit()

Minimal().run(headless=True, size=(100, 30))
"""

REAL = """
import time
from immo_connect.config import load_settings
from immo_connect.tui.app import ImmoConnectApp


def build():
    from immo_connect.platform import create_platform
    return create_platform(source="tui")

class FirstFrame(ImmoConnectApp):
    def on_ready(self):
        self.call_after_refresh(painted, self)

def painted(app):
    print(time.time(), flush=True)
    app.exit()

FirstFrame(build, settings=load_settings()).run(headless=True, size=(100, 30))
"""


def first_paint(code: str, env: dict[str, str]) -> float:
    """Seconds from spawning the process to its first painted frame."""
    start = time.time()
    result = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return float(result.stdout.strip().splitlines()[0]) - start


def main() -> None:
    data = tempfile.mkdtemp(prefix="immo-bench-")
    env = {**os.environ, "IMMO_CONNECT_DATA_DIR": data, "TEXTUAL_ANIMATIONS": "none"}
    env.pop("IMMO_CONNECT_CONFIG", None)
    env.pop("IMMO_CONNECT_DATABASE_URL", None)
    # First run creates and migrates the database; starts after that are what users wait for.
    first_paint(REAL, env)
    baseline, measured = interleave(lambda: first_paint(MINIMAL, env), lambda: first_paint(REAL, env), rounds=9)
    report("start-up to first painted screen (real app vs one-Label Textual app)", baseline, measured, goal="<= 1.5x")


if __name__ == "__main__":
    main()
