"""The platform's log: cost of masking and of the shared rotating file, per logged line.

Baseline: the standard library's FileHandler with a plain Formatter, the set-up the
platform had before. Measured: :func:`immo_connect.log.configure`'s file handler (redaction
of every line, rotation that follows other processes). Lines are typical platform messages.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import interleave, report, timed

from immo_connect import log
from immo_connect.config import LogSection

LINES = 5000
MESSAGES = [
    ("mail %s (%s) attempt %d: %s -> %s", (42, "activation", 3, "SMTP 451 try later", "retry")),
    ("eID linked to account %s (%s, applet %s)", (17, "pcsc", "1.8")),
    ("webhook for unknown payment %s at %s", ("tr_WDqYK6vllg", "mollie")),
    ("Mollie is enabled but has no api_key: not offered", ()),
]


def write_lines(logger: logging.Logger) -> None:
    for number in range(LINES):
        message, args = MESSAGES[number % len(MESSAGES)]
        logger.info(message, *args)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-log-"))
    plain = logging.getLogger("bench_plain")
    plain.propagate = False
    handler = logging.FileHandler(folder / "plain.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    plain.addHandler(handler)
    plain.setLevel(logging.INFO)
    log.configure(folder / "platform", options=LogSection(file_max_mb=1, file_backups=3), environ={})
    platform = logging.getLogger("immo_connect.bench")

    baseline, measured = interleave(lambda: timed(lambda: write_lines(plain)),
                                    lambda: timed(lambda: write_lines(platform)), rounds=7)
    per_line = [t / LINES * 1e6 for t in measured]
    report(f"log: {LINES} lines, redacted and rotated (per line {min(per_line):.1f} µs at best)",
           baseline, measured, goal="below 3x: logging stays a small part of any request")


if __name__ == "__main__":
    main()
