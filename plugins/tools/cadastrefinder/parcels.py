"""The parcel data set of CadastreFinder and the search over it (pure: no database, no charge).

A data set is a CSV file (``;``-separated, UTF-8, ``#`` comment lines) with the columns of
:data:`COLUMNS`; the format is in docs/tools.md. Parcel numbers follow the
cadastral notation ``0123/45A`` (root number / bis number and exponent letter); the
CaPaKey joins division, section and parcel (``21004A0123/45A000``).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import threading
import unicodedata
from pathlib import Path

COLUMNS = (
    "capakey", "nis_code", "municipality", "division_code", "division", "section", "parcel",
    "street", "house_number", "postcode", "nature", "area_m2", "cadastral_income_eur",
)
DEFAULT_DATA_SET = Path(__file__).with_name("data") / "parcels.csv"
MAX_RESULTS = 50

_PARCEL = re.compile(r"^(\d{1,4})(?:\s*/\s*(\d{1,2})\s*([A-Z])?)?\s*([A-Z])?$")


@dataclasses.dataclass(frozen=True)
class Parcel:
    capakey: str
    nis_code: str
    municipality: str
    division_code: str
    division: str
    section: str
    parcel: str
    street: str
    house_number: str
    postcode: str
    nature: str
    area_m2: int
    cadastral_income_eur: int

    @property
    def address(self) -> str:
        return f"{self.street} {self.house_number}, {self.postcode} {self.municipality}".strip()


@dataclasses.dataclass(frozen=True)
class ParcelQuery:
    """Search criteria; empty ones are ignored, the others must all match."""

    municipality: str = ""  # a name (any part, accents ignored) or a 5-digit NIS code
    section: str = ""  # one letter
    parcel: str = ""  # "0123", "123/45", "0123/45A"
    address: str = ""  # street and/or house number, any part

    def is_empty(self) -> bool:
        return not any(v.strip() for v in (self.municipality, self.section, self.parcel, self.address))

    def as_dict(self) -> dict[str, str]:
        return {k: v.strip() for k, v in dataclasses.asdict(self).items() if v.strip()}


class QueryError(ValueError):
    """A criterion is malformed; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def fold(text: str) -> str:
    """Lowercase without accents, so "liege" finds "Liège"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().strip()


def parse_parcel(text: str) -> tuple[str, str | None, str | None]:
    """``"123/45a"`` -> ("0123", "45", "A"); the parts not given are ``None``."""
    match = _PARCEL.match(text.strip().upper())
    if not match:
        raise QueryError("parcel", "Write the parcel number like 0123, 0123/45 or 0123/45A.")
    root, bis, exponent, bare_exponent = match.groups()
    return f"{int(root):04d}", (f"{int(bis):02d}" if bis else None), exponent or bare_exponent


def load(text: str) -> list[Parcel]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";")
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"parcel data set: columns missing: {', '.join(missing)}")
    parcels = []
    for row in reader:
        values = {c: (row[c] or "").strip() for c in COLUMNS}
        parcels.append(Parcel(
            **{**values, "area_m2": int(values["area_m2"] or 0),
               "cadastral_income_eur": int(values["cadastral_income_eur"] or 0)},  # type: ignore[arg-type]
        ))
    return parcels


class ParcelIndex:
    """The parcels of one data set file, read once and re-read when the file changes."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or DEFAULT_DATA_SET
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._parcels: list[Parcel] = []

    def parcels(self) -> list[Parcel]:
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._parcels = load(self.path.read_text(encoding="utf-8-sig"))
                self._stamp = stamp
            return self._parcels

    def municipalities(self) -> list[tuple[str, str]]:
        """(NIS code, name) of every municipality in the data set, by name."""
        return sorted({(p.nis_code, p.municipality) for p in self.parcels()}, key=lambda m: fold(m[1]))

    def search(self, query: ParcelQuery, *, limit: int = MAX_RESULTS) -> list[Parcel]:
        if query.is_empty():
            raise QueryError("municipality", "Give at least one criterion.")
        municipality = query.municipality.strip()
        section = query.section.strip().upper()
        if section and not re.fullmatch(r"[A-Z]", section):
            raise QueryError("section", "A section is one letter, like A.")
        root = bis = exponent = None
        if query.parcel.strip():
            root, bis, exponent = parse_parcel(query.parcel)
        words = fold(query.address).replace(",", " ").split()
        found = []
        for parcel in self.parcels():
            if municipality:
                if municipality.isdigit():
                    if municipality not in (parcel.nis_code, parcel.division_code):
                        continue
                elif fold(municipality) not in fold(parcel.municipality) and fold(municipality) not in fold(parcel.division):
                    continue
            if section and parcel.section != section:
                continue
            if root is not None:
                p_root, _, rest = parcel.parcel.partition("/")
                if p_root != root or (bis is not None and rest[:2] != bis) or (exponent is not None and rest[2:] != exponent):
                    continue
            if words:
                haystack = fold(f"{parcel.street} {parcel.house_number} {parcel.postcode} {parcel.municipality}")
                if not all(word in haystack.split() or word in haystack for word in words):
                    continue
            found.append(parcel)
            if len(found) >= limit:
                break
        return found
