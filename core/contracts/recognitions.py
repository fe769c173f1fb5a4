"""The contract of a recognition source (see docs/plugins.md and docs/recognitions.md).

A source is a professional register (real-estate agents, notaries, land surveyors,
accountants, …). It declares which recognitions it can grant and looks a person up by the
national register number read from their linked eID card. The number is personal data:
a source uses it for the lookup only and never logs or stores it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from immo_connect.contracts._base import Contribution, check_identifier


@dataclasses.dataclass(frozen=True)
class RecognitionKind:
    """A recognition a source can grant: a stable identifier, its name, the issuing body."""

    identifier: str
    name: str
    issuer: str

    def __post_init__(self) -> None:
        check_identifier("recognition identifier", self.identifier)
        if not self.name or not self.issuer:
            raise ValueError(f"recognition {self.identifier!r} needs a name and an issuer")


@dataclasses.dataclass(frozen=True)
class GrantedRecognition:
    """What a lookup found: one recognition of one person, with its register number and validity.

    ``valid_until`` is the last day it is valid (``None``: no end date known).
    """

    identifier: str
    number: str
    valid_from: dt.date
    valid_until: dt.date | None = None

    def __post_init__(self) -> None:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(f"recognition {self.identifier!r} ends before it starts")


class RecognitionSource(Contribution):
    """A register that grants professional recognitions.

    Subclass it and implement :meth:`lookup`. ``recognitions`` lists every kind the source
    may return; a lookup returning another identifier is refused by the platform.
    """

    def __init__(self, *, name: str, title: str, recognitions: tuple[RecognitionKind, ...] | list[RecognitionKind]) -> None:
        check_identifier("source name", name)
        if not recognitions:
            raise ValueError(f"source {name!r} declares no recognition")
        identifiers = [kind.identifier for kind in recognitions]
        if len(set(identifiers)) != len(identifiers):
            raise ValueError(f"source {name!r} declares a recognition twice")
        self.name = name
        self.title = title
        self.recognitions: tuple[RecognitionKind, ...] = tuple(recognitions)

    def lookup(self, national_number: str) -> list[GrantedRecognition]:
        """The recognitions held by the person with this national number (11 digits).

        Return an empty list when the person is not in the register. Raise an exception
        when the register cannot be read: the platform then keeps what it knew before.
        """
        raise NotImplementedError

    def kind(self, identifier: str) -> RecognitionKind | None:
        return next((kind for kind in self.recognitions if kind.identifier == identifier), None)

    def __repr__(self) -> str:
        return f"RecognitionSource({self.name!r}, plugin={self.plugin!r})"
