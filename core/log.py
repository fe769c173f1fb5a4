"""The platform's logs: a rotated file in the data directory, and stderr for services.

Every process writes ``immo-connect.log`` in its data directory, rotated by size
(``[log] file_max_mb``, ``file_backups``). The long-running services (``serve``,
``worker``) also write to stderr when it is not a terminal, which is where systemd's
journal reads it. A process that shows the terminal UI never logs to stderr: there, stderr
is the user's screen. Secrets and national numbers are masked in every line, tracebacks
included (see :func:`redact`).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from immo_connect.errors import ConfigurationError
from immo_connect.i18n import _

if TYPE_CHECKING:
    from immo_connect.config import LogSection

LOG_FILE_NAME = "immo-connect.log"
LEVEL_VARIABLE = "IMMO_CONNECT_LOG_LEVEL"
LEVELS = ("debug", "info", "warning", "error")

# An 11-digit Belgian national register number, with or without its usual separators.
_NATIONAL_NUMBER = re.compile(r"(?<![\w.-])\d{2}[.\s]?\d{2}[.\s]?\d{2}[-\s]?\d{3}[.\s]?\d{2}(?![\w-]|\.\d)")
_SECRET_NAME = r"(?:password|passwd|pwd|secret(?:_key)?|token|api[_-]?key|apikey|pin|code|authorization)"
# ``name=value`` and ``name="value"``: the form of configuration lines, URLs and repr()s.
_ASSIGNED_SECRET = re.compile(rf"(?i)\b({_SECRET_NAME})(['\"]?\s*=\s*)(\"[^\"]*\"|'[^']*'|(?![{{\[])[^\s,;&)}}]+)")
# ``name: value``: also how sentences read (« api_key: not offered »), so the value is
# masked only when it looks like a secret (see _looks_secret).
_LABELLED_SECRET = re.compile(rf"(?i)\b({_SECRET_NAME})(['\"]?\s*:\s*)(?:(bearer|basic)\s+)?(\"[^\"]*\"|'[^']*'|[^\s,;]+)")
# The password of a URL: scheme://user:password@host
_URL_PASSWORD = re.compile(r"(://[^\s:/@]*:)([^\s@/]+)(@)")


def _looks_secret(value: str) -> bool:
    """A value that is not an ordinary word: quoted, with digits or symbols, or long."""
    if value[:1] in "\"'":
        return True
    return not (value.isalpha() and value.islower() and len(value) < 16)


def _mask_labelled(match: re.Match[str]) -> str:
    name, separator, scheme, value = match.groups()
    if not scheme and not _looks_secret(value):
        return match.group(0)
    return f"{name}{separator}{scheme + ' ' if scheme else ''}[redacted]"


_SECRET_WORDS = re.compile(r"pass|pwd|secret|token|key|pin|code|auth")
_NOT_DIGITS = {code: None for code in range(ord("0"), ord("9") + 1)}


def redact(text: str) -> str:
    """``text`` with national numbers and secret values masked, ordinary words kept.

    ``password=hunter2``, ``token: 'abc'``, ``Authorization: Bearer …`` and the password of
    ``postgresql://user:pw@host`` are masked; « api_key: not offered » stays as written.
    """
    # Cheap checks first: most lines hold no candidate at all, and the patterns cost more.
    if len(text) - len(text.translate(_NOT_DIGITS)) >= 11:
        text = _NATIONAL_NUMBER.sub("[national number]", text)
    if "://" in text:
        text = _URL_PASSWORD.sub(r"\1[redacted]\3", text)
    if _SECRET_WORDS.search(text.lower()):
        text = _ASSIGNED_SECRET.sub(r"\1\2[redacted]", text)
        text = _LABELLED_SECRET.sub(_mask_labelled, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats a record with its message and traceback masked (the time and names need not be)."""

    def format(self, record: logging.LogRecord) -> str:
        masked = logging.makeLogRecord(record.__dict__)  # other handlers still get the record as it was
        masked.msg, masked.args = redact(record.getMessage()), ()
        return super().format(masked)

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact(super().formatStack(stack_info))


class JournalFormatter(RedactingFormatter):
    """Lines for systemd's journal: ``<priority>`` first, so journalctl -p filters them."""

    _PRIORITIES = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}

    def format(self, record: logging.LogRecord) -> str:
        priority = self._PRIORITIES.get(record.levelno, 6)
        text = super().format(record)
        return "\n".join(f"<{priority}>{line}" for line in text.splitlines())


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Size-based rotation that stays sound with several processes writing one file.

    A server, its session processes and the workers of one data directory all append to
    the same file. A process notices that another one rotated the file (the name points at
    a new file) and reopens it; rotations are serialised by a lock file, and a process only
    rotates when the file on disk is still over the size.
    """

    def shouldRollover(self, record: logging.LogRecord) -> int:
        # The standard handler formats each record twice (here to measure it, then to write
        # it); the message's length plus room for the time and names is close enough.
        self._follow_rotation()
        if self.maxBytes <= 0:
            return 0
        if self.stream is None:
            self.stream = self._open()
        self.stream.seek(0, 2)
        return int(self.stream.tell() + len(record.getMessage()) + 120 >= self.maxBytes)

    def doRollover(self) -> None:
        import fcntl

        with open(self.baseFilename + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self._moved():  # another process rotated it meanwhile: write to the new file
                self._follow_rotation(force=True)
            else:
                super().doRollover()

    def _moved(self) -> bool:
        """True when the file name no longer points at the file this process writes."""
        if self.stream is None:
            return False
        try:
            on_disk = os.stat(self.baseFilename)
        except FileNotFoundError:
            return True
        current = os.fstat(self.stream.fileno())
        return (on_disk.st_dev, on_disk.st_ino) != (current.st_dev, current.st_ino)

    def _follow_rotation(self, *, force: bool = False) -> None:
        if self.stream is not None and (force or self._moved()):
            self.stream.close()
            self.stream = self._open()


def resolve_level(configured: str, environ: Mapping[str, str]) -> int:
    """``IMMO_CONNECT_LOG_LEVEL`` when set, else ``[log] level``, as a logging level."""
    name = environ.get(LEVEL_VARIABLE, "").strip().lower() or configured
    if name not in LEVELS:
        raise ConfigurationError(
            _("{variable} is {value!r}: not a log level.").format(variable=LEVEL_VARIABLE, value=name),
            hint=_("Use one of: {levels}.").format(levels=", ".join(LEVELS)),
            code="log_level",
        )
    return int(getattr(logging, name.upper()))


def configure(
    data_dir: Path,
    *,
    options: LogSection | None = None,
    service: bool = False,
    environ: Mapping[str, str] | None = None,
    stderr: TextIO | None = None,
) -> Path:
    """Send the platform's logs to ``data_dir/immo-connect.log`` (and stderr for a service).

    ``service`` is true for ``serve`` and ``worker``: they also log to stderr when it is
    not a terminal (``[log] stderr = "auto"``), or always / never as configured. Any
    process whose log file cannot be opened logs to stderr instead, under the same rule
    (a UI process, whose stderr is a terminal, then logs nothing). Returns the file's path.
    """
    from immo_connect.config import LogSection

    options = options or LogSection()
    environ = os.environ if environ is None else environ
    stream = sys.stderr if stderr is None else stderr
    level = resolve_level(options.level, environ)
    path = data_dir / LOG_FILE_NAME
    logger = logging.getLogger("immo_connect")
    for handler in list(logger.handlers):  # configuring again replaces, never doubles, the handlers
        if getattr(handler, "immo_connect", False):
            logger.removeHandler(handler)
            handler.close()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        file_handler = SharedRotatingFileHandler(
            path, maxBytes=options.file_max_mb * 1024 * 1024, backupCount=options.file_backups, encoding="utf-8")
    except OSError as error:  # a data directory this user may not write: the command still runs
        unwritable: OSError | None = error
    else:
        unwritable = None
        file_handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        _mark(file_handler)
        logger.addHandler(file_handler)
    if (service or unwritable) and _wants_stderr(options.stderr, stream):
        stream_handler = logging.StreamHandler(stream)
        journal = bool(environ.get("JOURNAL_STREAM"))  # systemd connected stderr to the journal
        stream_handler.setFormatter(JournalFormatter("%(levelname)s %(name)s: %(message)s") if journal
                                    else RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        _mark(stream_handler)
        logger.addHandler(stream_handler)
    logger.setLevel(level)
    logger.propagate = False
    if unwritable is not None:
        logger.warning("cannot write the log file %s (%s): logging to stderr only", path, unwritable.strerror)
    return path


def _mark(handler: logging.Handler) -> None:
    handler.immo_connect = True  # type: ignore[attr-defined]


def _wants_stderr(setting: str, stream: TextIO) -> bool:
    if setting == "never":
        return False
    if setting == "always":
        return True
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False
