"""Textual's own words (key bar, command palette) in the person's language.

Key descriptions are English message ids (``N_`` in ``BINDINGS``: a class is built once per
process, while each person has their own language), translated here as they are shown.
Textual's built-in texts ("Dismiss menu", "palette", its system commands) are translated
the same way, from the platform's catalogs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import SystemCommand
from textual.command import CommandPalette
from textual.widgets._footer import FooterKey

from immo_connect.i18n import N_, _

# Textual's texts that reach the screen, marked here so the catalogs carry them.
TEXTUAL_TEXTS = (
    N_("palette"), N_("Search for commands…"), N_("Dismiss menu"), N_("Exit the command palette"),
    N_("Theme"), N_("Change the current theme"), N_("Quit the application as soon as possible"),
    N_("Keys"), N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"), N_("Minimize the widget and restore to normal size"),
    N_("Maximize"), N_("Maximize the focused widget"),
    N_("Screenshot"), N_("Save an SVG 'screenshot' of the current screen"),
)

_footer_key_init = FooterKey.__init__


def _translated_footer_key_init(self: FooterKey, key: str, key_display: str, description: str,
                                *args: Any, **kwargs: Any) -> None:
    _footer_key_init(self, key, key_display, _(description) if description else description, *args, **kwargs)


def install() -> None:
    """Translate key descriptions as the key bar shows them (once per process)."""
    FooterKey.__init__ = _translated_footer_key_init  # type: ignore[method-assign]


def translated_commands(commands: Iterable[SystemCommand]) -> Iterable[SystemCommand]:
    for command in commands:
        yield SystemCommand(_(command.title), _(command.help), command.callback, command.discover)


def command_palette() -> CommandPalette:
    return CommandPalette(id="--command-palette", placeholder=_("Search for commands…"))
