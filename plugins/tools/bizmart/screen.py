"""The screen of bizMart (imported by the terminal UI only)."""

from __future__ import annotations

from immo_connect.plugins.tools._external_screen import ExternalToolScreen


class BizMartScreen(ExternalToolScreen):
    TOOL = "bizmart"
