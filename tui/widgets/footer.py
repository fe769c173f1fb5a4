"""The key bar at the bottom of a screen: Textual's Footer without needless rebuilds.

Textual's Footer rebuilds all its keys after every change of focus or bindings, even when
the keys it shows stay the same; while the sign-in screen is first drawn that happens three
times. This one rebuilds only when the keys to show differ.

It leans on Footer's internals (``_bindings_ready``, ``FooterKey``) of the pinned Textual;
tests/test_startup_tui.py drives it, so an upgrade that changes them shows there.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# What one key looks like in the bar: key, description, action, enabled, tooltip, group.
KeyView = tuple[str, str, str, bool, str, Any]


def shown_keys(screen: Screen[Any]) -> tuple[KeyView, ...]:
    """The keys ``screen`` shows now, read as Footer.compose reads them."""
    return tuple(
        (binding.key, binding.description, binding.action, enabled, tooltip, binding.group)
        for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
        if binding.show or binding.action == "command_palette"
    )


class AppFooter(Footer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The keys shown, or about to be shown by a scheduled rebuild; None before the first.
        self._shown: tuple[KeyView, ...] | None = None

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = shown_keys(self.screen)
        for widget in super().compose():
            yield _settled(widget, compact=self.compact)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        keys = shown_keys(screen)
        if screen is self.screen and keys == self._shown:
            return
        super().bindings_changed(screen)
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            self._shown = keys  # Footer has scheduled the rebuild


def _settled(widget: Widget, *, compact: bool) -> Widget:
    """Give a key its final style class before it is mounted.

    A FooterKey starts compact and the Footer then binds it to its own setting: two style
    recalculations per key, for a class that ends as it would have been set here.
    """
    if isinstance(widget, FooterKey):
        # The command palette key is not bound to the Footer's setting and stays compact.
        final = True if widget.has_class("-command-palette") else compact
        widget.set_reactive(FooterKey.compact, final)
        widget.set_class(final, "-compact", update=False)
    return widget
