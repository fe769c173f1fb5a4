"""The key bar at the bottom of a screen: the keys that act here, as many as the width holds.

Textual's Footer lists every key of the screen and the app in one line and lets the ones
past the right edge fall off: at 80 columns the help and quit keys were never seen, and a
key half cut (« f2 Me ») said nothing. This one shows, in this order of importance, the
help key (it lists every key) and, before sign-in, the language key, the keys of the row or field in focus
and of the screen, then the frame's other keys (back, quit, change quality, menu), each only
when all of it fits. Keys a screen's ``check_action`` turns off are not shown at all; keys
it greys out (``None``) come after the others. What does not fit is in the help (``?``) and the palette.

It also rebuilds only when the keys to show or the width differ (Textual's Footer rebuilds
after every change of focus). It leans on Footer's internals (``_bindings_ready``,
``FooterKey``) of the pinned Textual; tests/test_startup_tui.py drives it, so an upgrade
that changes them shows there.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from immo_connect.i18n import _

# What one key looks like in the bar: key, description, action, enabled, tooltip, group.
KeyView = tuple[str, str, str, bool, str, Any]
# Always offered first: the help lists every key, the ones that did not fit too; and before
# anyone is signed in the language key, since whoever cannot read the screen's language cannot
# read the help either (a signed-in person has their language already).
FIRST_ACTIONS = ("help", "choose_language")
# The palette key, docked right: its width (and a cell to spare), and a key's own margin.
PALETTE_WIDTH = 14
KEY_MARGIN = 1


def shown_keys(screen: Screen[Any]) -> tuple[KeyView, ...]:
    """The keys ``screen`` offers now (before fitting them to the width)."""
    return tuple(
        (binding.key, binding.description, binding.action, enabled, tooltip, binding.group)
        for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
        if binding.show or binding.action == "command_palette"
    )


def _key_width(app: Any, binding: Binding) -> int:
    """Cells a key takes in the compact bar: « key description » and its margin."""
    key = app.get_key_display(binding)
    shown_key = _(key) if key.isalpha() else key
    return Text(f"{shown_key} {_(binding.description)}").cell_len + KEY_MARGIN


def fitting(screen: Screen[Any], width: int) -> list[tuple[Binding, bool, str]]:
    """The keys to show in ``width`` cells, in the bar's order (see the module's text)."""
    app = screen.app
    seen: set[str] = set()
    context: list[tuple[Binding, bool, str]] = []
    frame: list[tuple[Binding, bool, str]] = []
    for node, binding, enabled, tooltip in screen.active_bindings.values():
        if not binding.show or binding.action in seen:
            continue
        seen.add(binding.action)
        (frame if node is app else context).append((binding, enabled, tooltip))
    first = FIRST_ACTIONS if getattr(app, "session", None) is None else FIRST_ACTIONS[:1]
    helps = sorted((entry for entry in frame if entry[0].action in first),
                   key=lambda entry: first.index(entry[0].action))
    others = [entry for entry in frame if entry[0].action not in first]
    wanted = helps + [e for e in context if e[1]] + others + [e for e in context if not e[1]]
    room = width - PALETTE_WIDTH
    chosen: set[int] = set()
    for entry in wanted:
        needed = _key_width(app, entry[0])
        if needed <= room:
            chosen.add(id(entry))
            room -= needed
    ordered = context + [e for e in frame if e[0].action == FIRST_ACTIONS[0]] + [
        e for e in frame if e[0].action != FIRST_ACTIONS[0]]  # the frame's keys in their own order
    return [entry for entry in ordered if id(entry) in chosen]


class AppFooter(Footer):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(**kwargs)
        # The keys shown (and the width), or about to be shown by a scheduled rebuild.
        self._shown: tuple[tuple[KeyView, ...], int] | None = None

    def _width(self) -> int:
        return self.size.width or self.app.size.width

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._shown = (shown_keys(self.screen), self._width())
        for binding, enabled, tooltip in fitting(self.screen, self._width()):
            yield _settled(FooterKey(binding.key, self.app.get_key_display(binding), binding.description,
                                     binding.action, disabled=not enabled, tooltip=tooltip),
                           compact=self.compact)
        active = self.screen.active_bindings
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            yield _settled(FooterKey(binding.key, self.app.get_key_display(binding), binding.description,
                                     binding.action, classes="-command-palette", disabled=not enabled,
                                     tooltip=binding.tooltip or binding.description), compact=self.compact)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        keys = (shown_keys(screen), self._width())
        if screen is self.screen and keys == self._shown:
            return
        super().bindings_changed(screen)
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            self._shown = keys  # Footer has scheduled the rebuild

    def on_resize(self, event: Resize) -> None:
        if self._bindings_ready and self._shown is not None and self._shown[1] != self._width():
            self.bindings_changed(self.screen)


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
