"""The screen of bizMart (imported by the terminal UI only)."""

from __future__ import annotations

from immo_connect.plugins.tools.screen_external import ExternalToolScreen


class BizMartScreen(ExternalToolScreen):
    TOOL = "bizmart"
