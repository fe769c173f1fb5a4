"""Peak memory of reading a 49 MB legacy CSV file (``immo-connect import-legacy``).

Each reading runs in a fresh process; its peak resident memory (``ru_maxrss``) is compared
with a baseline measured in the same run: a process that imports the same modules and
reads nothing. Measured: ``legacy.read_rows`` going through every row of the file (what the
import does, row by row, before each row's transaction). Also shown, for the record, the
earlier way (the whole text in memory, then every row in a list), which reached 1.77 GB in
the full import. Goal: reading adds at most a few megabytes to the baseline, whatever the
file's size.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import report  # noqa: E402

TARGET_BYTES = 49 * 1024 * 1024
ROUNDS = 3

PRELUDE = """
import resource, sys
from pathlib import Path
from immo_connect.accounts import legacy
path = Path(sys.argv[1])
"""
READERS = {
    "baseline (modules only)": "",
    "streamed (read_rows)": "rows = sum(1 for _ in legacy.read_rows(path))\n",
    "whole file (earlier reader)": (
        "import csv, io\n"
        "text = path.read_text(encoding='utf-8-sig')\n"
        "rows = list(csv.DictReader(io.StringIO(text, newline='')))\n"
    ),
}
EPILOGUE = "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"


def make_file(path: Path) -> int:
    """A CSV of fictitious accounts of about TARGET_BYTES; returns its row count."""
    digest = "0" * 64
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("username,email,first_name,last_name,password_hash,language\n")
        while out.tell() < TARGET_BYTES:
            out.write(f"user{rows:07d},user{rows}@example.be,Prénom{rows % 97},Nom{rows % 89},"
                      f"sha256$sel{rows % 1000}${digest},fr\n")
            rows += 1
    return rows


def peak_mb(code: str, path: Path) -> float:
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", PRELUDE + code + EPILOGUE, str(path)], capture_output=True,
                            text=True, check=True, env=environ)
    return int(result.stdout.strip().splitlines()[-1]) / 1024  # kilobytes on Linux


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "legacy.csv"
        rows = make_file(path)
        print(f"legacy CSV: {path.stat().st_size / 1e6:.1f} MB, {rows} rows")
        results: dict[str, list[float]] = {name: [] for name in READERS}
        for _ in range(ROUNDS):
            for name, code in READERS.items():
                results[name].append(peak_mb(code, path))
        base = results["baseline (modules only)"]
        report("legacy import reading, peak memory", base, results["streamed (read_rows)"], unit="MB",
               goal="at most 1.2x")
        report("earlier whole-file reading, peak memory (for the record)", base,
               results["whole file (earlier reader)"], unit="MB")


if __name__ == "__main__":
    main()
