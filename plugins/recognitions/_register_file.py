"""A recognition source that reads an export of a professional register (CSV).

The Belgian registers offer no public API, so each built-in source reads a file the operator
receives from (or exports out of) the register; its path is the ``register`` key of the
plugin's ``plugins.toml`` table. The format is in docs/recognitions.md.

The file holds national register numbers: it is read only to answer a lookup, never logged.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import logging
import threading
from pathlib import Path
from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.recognitions import GrantedRecognition, RecognitionKind, RecognitionSource
from immo_connect.errors import ValidationError
from immo_connect.formats.national_number import validate as validate_national_number

log = logging.getLogger("immo_connect.plugins.recognitions")

COLUMNS = ("national_number", "register_number", "recognition", "valid_from", "valid_until")
EXAMPLES = Path(__file__).with_name("examples")


@dataclasses.dataclass(frozen=True)
class RegisterConfig:
    """``[plugins.<source>]``: ``register`` is the path of the register file (CSV).

    Without it the source knows nobody (it grants no recognition). A relative path is read
    from the folder of the configuration file.
    """

    register: Path | None = None


def normalise_national_number(text: str) -> str | None:
    """The 11 digits of a valid national (or BIS) register number, else ``None``."""
    try:
        return validate_national_number(text)
    except ValidationError:
        return None


def parse_date(text: str) -> dt.date:
    """ISO dates (2024-03-01) or Belgian ones (01/03/2024)."""
    text = text.strip()
    if "/" in text:
        day, month, year = text.split("/")
        return dt.date(int(year), int(month), int(day))
    return dt.date.fromisoformat(text)


def parse_register(text: str, identifiers: set[str], *, name: str = "register") -> dict[str, list[GrantedRecognition]]:
    """Parse a register file: national number -> recognitions. Bad lines are skipped and logged
    by line number (never with their content, which holds national numbers)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return {}
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header = [column.strip().lower() for column in reader.fieldnames or []]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise ValueError(f"{name}: columns missing: {', '.join(missing)}")
    reader.fieldnames = header
    found: dict[str, list[GrantedRecognition]] = {}
    for number, row in enumerate(reader, start=2):
        try:
            national_number = normalise_national_number((row["national_number"] or "").strip())
            if national_number is None:
                raise ValueError("invalid national number")
            identifier = (row["recognition"] or "").strip().lower()
            if identifier not in identifiers:
                raise ValueError(f"unknown recognition {identifier!r}")
            until = (row["valid_until"] or "").strip()
            grant = GrantedRecognition(
                identifier=identifier, number=(row["register_number"] or "").strip(),
                valid_from=parse_date(row["valid_from"] or ""),
                valid_until=parse_date(until) if until else None,
            )
        except (ValueError, TypeError, AttributeError) as error:
            log.warning("%s: line %d skipped (%s)", name, number, error)
            continue
        found.setdefault(national_number, []).append(grant)
    return found


class RegisterFileSource(RecognitionSource):
    """Looks people up in a register file; re-reads it when it changes on disk."""

    def __init__(
        self, *, name: str, title: str, recognitions: tuple[RecognitionKind, ...], path: Path | None
    ) -> None:
        super().__init__(name=name, title=title, recognitions=recognitions)
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._index: dict[str, list[GrantedRecognition]] = {}

    def _load(self) -> dict[str, list[GrantedRecognition]]:
        if self.path is None:
            return {}
        stat = self.path.stat()  # a missing file raises: the platform keeps earlier answers
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                text = self.path.read_text(encoding="utf-8-sig")
                identifiers = {kind.identifier for kind in self.recognitions}
                self._index = parse_register(text, identifiers, name=f"{self.name} register {self.path.name}")
                self._stamp = stamp
            return self._index

    def lookup(self, national_number: str) -> list[GrantedRecognition]:
        digits = normalise_national_number(national_number)
        if digits is None:
            return []
        return list(self._load().get(digits, []))


def register_file_plugin(name: str, title: str, kinds: tuple[RecognitionKind, ...]) -> tuple[Any, Any]:
    """The two hook implementations of a source that reads one register file.

    A source module assigns them to the hook names::

        immo_connect_config_schema, immo_connect_register_recognition_sources = register_file_plugin(...)
    """

    @hookimpl
    def immo_connect_config_schema() -> type:
        return RegisterConfig

    @hookimpl
    def immo_connect_register_recognition_sources(register: Any, config: RegisterConfig | None) -> None:
        register(RegisterFileSource(
            name=name, title=title, recognitions=kinds, path=config.register if config else None,
        ))

    return immo_connect_config_schema, immo_connect_register_recognition_sources
