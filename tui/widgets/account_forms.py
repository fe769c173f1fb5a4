"""Pieces shared by the account screens: the form message line, field focus, photo drawing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.screen import Screen

from immo_connect.errors import ImmoConnectError
from immo_connect.tui.widgets.safe import Input, Label

OK_MARK = "✓"
ERROR_MARK = "✗"
WARNING_MARK = "⚠"


class FormMessage(Label):
    """One line under a form: "✗ problem. fix." or "✓ done." (never colour alone)."""

    DEFAULT_CLASSES = "message"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)

    def error(self, error: ImmoConnectError | str) -> None:
        text = str(error) if isinstance(error, ImmoConnectError) else error
        self.remove_class("ok")
        self.update(f"{ERROR_MARK} {text}")
        self._bring_into_view()

    def ok(self, text: str) -> None:
        self.add_class("ok")
        self.update(f"{OK_MARK} {text}")
        self._bring_into_view()

    def _bring_into_view(self) -> None:
        """A message below the visible part of a long form is scrolled into view (once laid out).

        The field to fix keeps the focus and what was typed; only the view moves.
        """
        if self.is_mounted:
            self.call_after_refresh(self.scroll_visible, animate=False)

    def clear(self) -> None:
        self.remove_class("ok")
        self.update("")


def focus_field(screen: Screen[object], error: ImmoConnectError, inputs: Mapping[str, str]) -> None:
    """Put the cursor in the input the error is about (``inputs``: field name -> widget id)."""
    widget_id = inputs.get(error.field or "")
    if widget_id is None:
        return
    for widget in screen.query(f"#{widget_id}"):
        widget.focus()
        if isinstance(widget, Input):
            widget.cursor_position = len(widget.value)
        return


def value_of(screen: Screen[object], widget_id: str) -> str:
    return screen.query_one(f"#{widget_id}", Input).value


def draw_photo(pixels: Sequence[Sequence[tuple[int, int, int]]]) -> Text:
    """Two pixel rows per text line with the upper half block: a small colour preview."""
    text = Text()
    for top, bottom in zip(pixels[0::2], pixels[1::2], strict=False):
        for upper, lower in zip(top, bottom, strict=True):
            text.append("▀", style=f"rgb({upper[0]},{upper[1]},{upper[2]}) on rgb({lower[0]},{lower[1]},{lower[2]})")
        text.append("\n")
    text.rstrip()
    return text
