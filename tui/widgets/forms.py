"""Keyboard-first forms: one behaviour for every form screen.

- :class:`Page` is the scrolling body of a screen. It is a tab stop only when nothing inside
  it can take the focus (a page of text), so a form's first Tab lands on its first field and
  no invisible stop sits before it. Page Up/Down still scroll it from any field inside.
- :func:`show_error` shows one error where a person looks: in a banner at the top of the
  visible area (under the header, whatever the scroll), on a line next to the field at fault,
  and puts the cursor in that field. What was typed stays.
- The banner and the field's line go away once the field is edited or the form succeeds
  (:func:`clear_errors`).
"""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll
from textual.dom import NoScreen
from textual.widget import Widget

from immo_connect.errors import ImmoConnectError
from immo_connect.tui.widgets.safe import Input, Label

ERROR_MARK = "✗"

# What a person fills in or chooses: the first of them gets the focus when a form opens.
FIELD_TYPES = ("Input", "Select", "TextArea", "Checkbox", "RadioSet", "SelectionList")


class Page(VerticalScroll):
    """The scrolling body of a screen, a tab stop only when it holds nothing focusable."""

    def allow_focus(self) -> bool:
        if not super().allow_focus():
            return False
        return not any(widget.focusable for widget in self.query("*") if not isinstance(widget, Page))


class ErrorBanner(Label):
    """« ✗ problem. fix. » at the top of the visible area, under the header."""

    DEFAULT_CSS = """
    ErrorBanner {
        dock: top;
        width: 100%;
        height: auto;
        padding: 0 1;
        background: $error-muted;
        color: $text;
        text-style: bold;
        display: none;
    }
    ErrorBanner.-shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__("", id="form-error-banner")


class FieldError(Label):
    """The line under a field that explains what is wrong with it."""

    DEFAULT_CSS = """
    FieldError { color: $text-error; margin: 0 0 0 0; height: auto; width: 100%; }
    """

    def __init__(self, text: str, field: Widget) -> None:
        super().__init__(text, classes="field-error")
        self.field = field


def error_text(error: ImmoConnectError | str) -> str:
    return f"{ERROR_MARK} {error}"


def _banner(screen: Any) -> ErrorBanner:
    found = screen.query_children(ErrorBanner)
    if found:
        return found.first(ErrorBanner)  # type: ignore[no-any-return]
    banner = ErrorBanner()
    screen.mount(banner)
    return banner


def _below_top_docks(screen: Any, banner: ErrorBanner) -> int:
    """The height taken at the top by docked widgets (the header): the banner goes under it."""
    heights = [child.outer_size.height for child in screen.children
               if child is not banner and child.styles.dock == "top" and child.display]
    return max(heights, default=0)


def show_banner(screen: Any, error: ImmoConnectError | str) -> None:
    banner = _banner(screen)
    banner.update(error_text(error))
    banner.styles.margin = (_below_top_docks(screen, banner), 0, 0, 0)
    banner.add_class("-shown")


def show_error(screen: Any, error: ImmoConnectError | str, field: Widget | None = None) -> None:
    """Show ``error`` at the top of the visible area and, with ``field``, next to it.

    The field at fault gets the focus with what was typed still in it (a password is
    selected, so typing replaces it).
    """
    show_banner(screen, error)
    if field is None:
        return
    _remove_field_errors(screen)
    line = FieldError(error_text(error), field)
    parent = field.parent
    if isinstance(parent, Widget):
        parent.mount(line, after=field)
    field.focus()
    if isinstance(field, Input):
        if field.password and field.value:
            field.select_all()
        else:
            field.cursor_position = len(field.value)
    # The field and its line in view (once the line is laid out), whatever the scroll was.
    line.call_after_refresh(line.scroll_visible, animate=False)


def field_for(screen: Any, error: ImmoConnectError, inputs: dict[str, str] | Any) -> Widget | None:
    """The widget of the field ``error`` names (``inputs``: field name -> widget id)."""
    widget_id = inputs.get(error.field or "")
    if widget_id is None:
        return None
    for widget in screen.query(f"#{widget_id}"):
        return widget  # type: ignore[no-any-return]
    return None


def _remove_field_errors(screen: Any, field: Widget | None = None) -> None:
    for line in list(screen.query(FieldError)):
        if field is None or line.field is field:
            line.remove()


def clear_field_error(field: Widget) -> None:
    """The field was edited: its error line goes, and the banner with the last one."""
    try:
        screen = field.screen
    except NoScreen:  # not on a screen (yet)
        return
    lines = list(screen.query(FieldError))
    if not any(line.field is field for line in lines):
        return
    _remove_field_errors(screen, field)
    if all(line.field is field for line in lines):
        _hide_banner(screen)


def _hide_banner(screen: Any) -> None:
    for banner in screen.query_children(ErrorBanner):
        banner.remove_class("-shown")
        banner.update("")


def clear_errors(screen: Any) -> None:
    """A new attempt or a success: no error is shown any more."""
    _remove_field_errors(screen)
    _hide_banner(screen)


def is_field(widget: Widget) -> bool:
    """Something a person fills in or chooses (not a button, a table or a list)."""
    return any(cls.__name__ in FIELD_TYPES for cls in type(widget).__mro__)


def has_field_error(screen: Any, field: Widget) -> bool:
    return any(line.field is field for line in screen.query(FieldError))


def focus_first_field(container: Widget) -> bool:
    """Put the focus on the first field shown inside ``container`` (else its first stop)."""
    chain = [widget for widget in container.screen.focus_chain
             if widget is container or container in widget.ancestors]
    fields = [widget for widget in chain if is_field(widget)]
    target = (fields or chain or [None])[0]
    if target is None:
        return False
    target.focus()
    return True


def keep_focus_visible(owner: Any) -> None:
    """When the focused widget was hidden or removed, focus the first one that can take it.

    ``owner``: a screen, or a widget on one.
    """
    if not getattr(owner, "is_attached", False):
        return
    try:
        screen = owner.screen
    except NoScreen:
        return
    focused = screen.focused
    chain = screen.focus_chain
    if focused is not None and focused in chain:
        return
    if focused is None and not chain:
        return
    focus_first_field(screen)
