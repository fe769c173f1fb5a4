"""The screen of MyRent Pro (imported by the terminal UI only)."""

from __future__ import annotations

from immo_connect.plugins.tools.screen_external import ExternalToolScreen


class MyRentProScreen(ExternalToolScreen):
    TOOL = "myrentpro"
