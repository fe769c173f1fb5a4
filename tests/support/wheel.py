"""Immo-Connect's wheel, built from a private copy of the sources.

pip builds in the source tree (``build/``, ``*.egg-info``): tests building at the same time
in the repository itself would write over each other's files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_IGNORED = shutil.ignore_patterns(".venv", ".git", "build", ".build", "dist", "*.egg-info", "__pycache__",
                                  ".pytest_cache", ".mypy_cache", ".ruff_cache", "tests", "bench")


def build_wheel(folder: Path) -> Path:
    """Build the wheel into ``folder``; its path."""
    source = folder / "immo-connect-source"
    shutil.copytree(ROOT, source, ignore=_IGNORED)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(source)],
                            capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    [wheel] = folder.glob("immo_connect-*.whl")
    return wheel
