"""Textual's command palette, in the platform's words.

Textual writes its palette's placeholder and « No matches found » in English whatever the
language; the app opens this one instead (``ImmoConnectApp.action_command_palette``).
"""

from __future__ import annotations

from typing import Any

from textual.command import CommandList
from textual.command import CommandPalette as _CommandPalette

from immo_connect.i18n import _
from immo_connect.tui.widgets.safe import Option


class CommandPalette(_CommandPalette):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("placeholder", _("Search for a command…"))
        super().__init__(**kwargs)

    def _start_no_matches_countdown(self, search_value: str) -> None:
        """As Textual's, with the platform's words for « nothing found »."""
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(_("No command matches."), disabled=True, id=self._NO_MATCHES))
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
