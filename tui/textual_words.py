"""Textual's own words (key bar, command palette) in the person's language.

Key descriptions are English message ids (``N_`` in ``BINDINGS``: a class is built once per
process, while each person has their own language), translated here as they are shown.
Textual's built-in key texts ("Dismiss menu", "palette") are translated the same way, from
the platform's catalogs.
"""

from __future__ import annotations

from typing import Any

from textual.widgets._footer import FooterKey

from immo_connect.i18n import N_, _

# Textual's texts that reach the screen, marked here so the catalogs carry them.
TEXTUAL_TEXTS = (N_("palette"), N_("Dismiss menu"), N_("Exit the command palette"))

_footer_key_init = FooterKey.__init__


def _translated_footer_key_init(self: FooterKey, key: str, key_display: str, description: str,
                                *args: Any, **kwargs: Any) -> None:
    # A key written as a word (« space ») is translated as its description is.
    shown_key = _(key_display) if key_display and key_display.isalpha() else key_display
    _footer_key_init(self, key, shown_key, _(description) if description else description, *args, **kwargs)


def install() -> None:
    """Translate key descriptions as the key bar shows them (once per process)."""
    FooterKey.__init__ = _translated_footer_key_init  # type: ignore[method-assign]

