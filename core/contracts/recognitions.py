"""The contract of a recognition source (see docs/plugins.md)."""

from __future__ import annotations

from immo_connect.contracts._base import Contribution


class RecognitionSource(Contribution):
    """A register that grants professional recognitions."""

    title: str = ""
