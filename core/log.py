"""Logging to a file in the data directory, with secrets and national numbers masked.

Nothing is logged to the terminal (the TUI owns it); errors for users go through
:class:`immo_connect.errors.ImmoConnectError` instead.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

# An 11-digit Belgian national register number, with or without its usual separators.
_NATIONAL_NUMBER = re.compile(r"\b\d{2}[.\s]?\d{2}[.\s]?\d{2}[-\s]?\d{3}[.\s]?\d{2}\b")
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(password|passwd|secret|token|api[_-]?key|pin|code)\b(\s*[=:]\s*)(\S+)"
)


def redact(text: str) -> str:
    """Mask national numbers and ``secret=value`` pairs in ``text``."""
    text = _NATIONAL_NUMBER.sub("[national number]", text)
    return _SECRET_ASSIGNMENT.sub(r"\1\2[redacted]", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


def configure(data_dir: Path, *, level: int = logging.INFO) -> Path:
    """Send the platform's logs to ``data_dir/immo-connect.log``; return that path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "immo-connect.log"
    logger = logging.getLogger("immo_connect")
    if not any(getattr(h, "baseFilename", None) == str(path) for h in logger.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handler.addFilter(RedactingFilter())
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return path
