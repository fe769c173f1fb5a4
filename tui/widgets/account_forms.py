"""Pieces shared by the account screens: the form message line, field focus, photo drawing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.text import Text
from textual.screen import Screen

from immo_connect.errors import ImmoConnectError
from immo_connect.tui.widgets.forms import (
    clear_errors,
    field_for,
    has_field_error,
    is_field,
    show_banner,
    show_error,
)
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
        """The error here and in the banner at the top of the visible area."""
        text = str(error) if isinstance(error, ImmoConnectError) else error
        self.remove_class("ok")
        super().update(f"{ERROR_MARK} {text}")
        if self.is_mounted:
            show_banner(self.screen, text)
        if isinstance(error, ImmoConnectError) and error.field:
            # The screen puts the cursor in the field at fault: the message goes beside it too.
            self.call_after_refresh(self._beside_focused_field, error)
        else:
            self._bring_into_view()

    def _beside_focused_field(self, error: ImmoConnectError) -> None:
        if not self.is_attached:
            return
        field = self.screen.focused
        if field is not None and is_field(field) and not has_field_error(self.screen, field):
            show_error(self.screen, error, field)

    def ok(self, text: str) -> None:
        self.update(f"{OK_MARK} {text}")
        self.add_class("ok")
        self._bring_into_view()

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        """A new attempt ("Signing in…") or a result: the previous error is no longer shown."""
        if self.is_mounted:
            clear_errors(self.screen)
        self.remove_class("ok")
        super().update(content, layout=layout)

    def _bring_into_view(self) -> None:
        """A message below the visible part of a long form is scrolled into view (once laid out).

        The field to fix keeps the focus and what was typed; only the view moves.
        """
        if self.is_mounted:
            self.call_after_refresh(self.scroll_visible, animate=False)

    def clear(self) -> None:
        self.update("")


def focus_field(screen: Screen[object], error: ImmoConnectError, inputs: Mapping[str, str]) -> None:
    """Show the error next to the input it is about and put the cursor there.

    ``inputs``: field name -> widget id. What was typed stays (see ``forms.show_error``).
    """
    field = field_for(screen, error, inputs)
    if field is not None:
        show_error(screen, error, field)


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
