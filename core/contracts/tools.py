"""The contract of a professional tool (see docs/plugins.md)."""

from __future__ import annotations

from immo_connect.contracts._base import Contribution


class Tool(Contribution):
    """A professional tool offered through the platform."""

    title: str = ""
