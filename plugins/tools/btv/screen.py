"""The screen of the BTV tool (imported by the terminal UI only)."""

from __future__ import annotations

from immo_connect.plugins.tools.screen_external import ExternalToolScreen


class BtvScreen(ExternalToolScreen):
    TOOL = "btv"
