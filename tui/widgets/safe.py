"""Widgets that show people's text as text: never markup, never an action, no raw control codes.

Textual parses a ``str`` given to Label, Static, Button, DataTable, OptionList, Select,
Checkbox and RadioButton as content markup: ``Agent [/]`` raises ``MarkupError`` (the app
ends), ``[@click=app.quit]`` turns text into an action another user can click. Rich and
Textual also let ESC through to the terminal. Every screen and built-in tool screen builds
these widgets from this module (tests/test_tui_safe_text.py checks the imports), so a value
from a person, a plugin, a register or the database is shown literally wherever it lands.

Styled text is built from pieces with :func:`assemble` (a heading in bold, a value beside
it): only the style is ours, the text is always literal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from rich.text import Text
from textual.binding import Binding
from textual.content import Content, Span
from textual.widgets import Button as _Button
from textual.widgets import Checkbox as _Checkbox
from textual.widgets import DataTable as _DataTable
from textual.widgets import Input as _Input
from textual.widgets import Label as _Label
from textual.widgets import OptionList as _OptionList
from textual.widgets import RadioButton as _RadioButton
from textual.widgets import Select as _Select
from textual.widgets import Static as _Static
from textual.widgets import TabPane as _TabPane
from textual.widgets._select import SelectOverlay as _SelectOverlay
from textual.widgets.option_list import Option as _Option

from immo_connect.i18n import N_, _

ValueType = TypeVar("ValueType")
CellType = TypeVar("CellType")

# One visible symbol for each invisible one, so the text keeps its length and the cursor its
# place: C0 controls become their Unicode "control pictures" (ESC shows as ␛), DEL as ␡,
# C1 controls and the bidirectional overrides (which reorder what follows) as �.
# Line feeds stay: a line break is harmless and descriptions may have them. A tab becomes
# a space (a raw tab moves the terminal's cursor past the widget's edge).
_PICTURES: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}
_PICTURES[0x0A] = "\n"
_PICTURES[0x09] = " "
_PICTURES[0x7F] = "\u2421"
_PICTURES.update({code: "\ufffd" for code in range(0x80, 0xA0)})
_PICTURES.update({code: "\ufffd" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def printable(value: object) -> str:
    """``value`` as a string with every control character replaced by a visible symbol."""
    return str(value).translate(_PICTURES)


def literal(value: object, style: str = "") -> Content:
    """``value`` as Textual content shown exactly as written (optionally in one style)."""
    if isinstance(value, Content):
        return Content(printable(value.plain), list(value.spans), strip_control_codes=False)
    if isinstance(value, Text):
        return literal(Content.from_rich_text(value), style)
    content = Content(printable(value), strip_control_codes=False)
    return content.stylize(style) if style else content


def literal_text(value: object, **kwargs: Any) -> Text:
    """``value`` as Rich text (for table cells and choices), shown exactly as written."""
    if isinstance(value, Text):
        text = value.copy()
        text.plain = printable(value.plain)  # one symbol per character: the styles keep their place
        return text
    return Text(printable(value), **kwargs)


def assemble(*parts: str | Content | tuple[object, str]) -> Content:
    """Styled content from literal pieces: ``assemble(("Name", "bold"), ": ", name)``."""
    pieces: list[Content] = []
    for part in parts:
        if isinstance(part, tuple):
            pieces.append(literal(part[0], part[1]))
        else:
            pieces.append(literal(part))
    return Content("").join(pieces)


def _shown(value: Any) -> Any:
    """What a widget should receive for ``value``: text becomes literal content."""
    if isinstance(value, (str, Content, Text)):
        return literal(value)
    return value


class Static(_Static):
    """Textual's Static, showing its text literally."""

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(_shown(content), **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(_shown(content), layout=layout)


class Label(_Label):
    """Textual's Label, showing its text literally."""

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(_shown(content), **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(_shown(content), layout=layout)


class Button(_Button):
    """Textual's Button, with a literal label."""

    def __init__(self, label: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(None if label is None else literal(label), *args, **kwargs)

    def validate_label(self, label: Any) -> Content:
        return literal(label)

    def watch_label(self) -> None:
        # Textual only repaints a button whose label changed: its width (an auto width, taken
        # from the label) would stay the old label's until something else laid the screen out.
        self.refresh(layout=True)


class Checkbox(_Checkbox):
    """Ticked shows ✓, not ticked an empty box: the state is a symbol, not a colour alone."""

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:
        return "✓" if self.value else " "

    def _make_label(self, label: Any) -> Content:
        return literal(label).first_line.rstrip()


class RadioButton(_RadioButton):
    """The chosen option shows ●, the others an empty circle: a symbol, not a colour alone."""

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:
        return "●" if self.value else " "

    def _make_label(self, label: Any) -> Content:
        return literal(label).first_line.rstrip()


def Option(prompt: object, id: str | None = None, disabled: bool = False) -> _Option:
    """An option of an :class:`OptionList` with a literal prompt."""
    return _Option(literal(prompt), id=id, disabled=disabled)


def _option(item: Any) -> Any:
    if isinstance(item, _Option):
        return _Option(literal(item.prompt), id=item.id, disabled=item.disabled) if isinstance(
            item.prompt, (str, Text, Content)) else item
    return _shown(item)


class OptionList(_OptionList):
    """Textual's OptionList, with literal prompts."""

    def __init__(self, *content: Any, **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(*(_option(item) for item in content), **kwargs)

    def add_options(self, items: Iterable[Any]) -> OptionList:  # type: ignore[override]
        super().add_options([_option(item) for item in items])
        return self

    def replace_option_prompt(self, option_id: str, prompt: Any) -> OptionList:
        super().replace_option_prompt(option_id, _shown(prompt))
        return self

    def replace_option_prompt_at_index(self, index: int, prompt: Any) -> OptionList:
        super().replace_option_prompt_at_index(index, _shown(prompt))
        return self


# Textual's open Select list offers "Dismiss menu" in the footer, in English whatever the
# language: the same key, with the platform's words.
_SelectOverlay.BINDINGS = [Binding("escape", "dismiss", N_("Close the list"), id="select-close")]


class Select(_Select[ValueType]):
    """Textual's Select, with literal choices (Rich text: typing a letter still jumps to it)."""

    def __init__(self, options: Iterable[tuple[Any, Any]], **kwargs: Any) -> None:
        kwargs.setdefault("prompt", _("Choose"))  # Textual's own says "Select", in English
        super().__init__([(literal_text(prompt), value) for prompt, value in options], **kwargs)

    def set_options(self, options: Iterable[tuple[Any, Any]]) -> None:
        super().set_options([(literal_text(prompt), value) for prompt, value in options])


def _cell(value: Any) -> Any:
    if isinstance(value, (str, Text)):
        return literal_text(value)
    if isinstance(value, Content):
        return literal_text(value.plain)
    return value


class DataTable(_DataTable[CellType]):
    """Textual's DataTable, with literal cells and column labels."""

    def add_column(self, label: Any, *args: Any, **kwargs: Any) -> Any:
        return super().add_column(_cell(label), *args, **kwargs)

    def add_row(self, *cells: Any, **kwargs: Any) -> Any:
        if "label" in kwargs:
            kwargs["label"] = _cell(kwargs["label"])
        return super().add_row(*(_cell(cell) for cell in cells), **kwargs)

    def update_cell(self, row_key: Any, column_key: Any, value: Any, **kwargs: Any) -> None:
        super().update_cell(row_key, column_key, _cell(value), **kwargs)

    def update_cell_at(self, coordinate: Any, value: Any, **kwargs: Any) -> None:
        super().update_cell_at(coordinate, _cell(value), **kwargs)

    def _update_dimensions(self, new_rows: Any) -> None:
        widths = [column.content_width for column in self.columns.values()]
        super()._update_dimensions(new_rows)
        if widths != [column.content_width for column in self.columns.values()]:
            # Textual caches a drawn cell without its width: a header drawn before the new
            # rows were measured would keep its old, narrower width beside the wider rows.
            self._update_count += 1
            self.refresh()


class TabPane(_TabPane):
    """Textual's TabPane, with a literal title."""

    def __init__(self, title: Any, *children: Any, **kwargs: Any) -> None:
        super().__init__(literal(title), *children, **kwargs)


class Input(_Input):
    """Textual's Input: a value holding control characters is drawn with visible symbols.

    ``edited`` tells whether the person changed the value (it changed while the field had
    focus), so that quitting can ask first; filters are not forms and never count.
    """

    edited = False

    def _watch_value(self, value: str) -> None:
        super()._watch_value(value)
        if self.has_focus and "filter" not in (self.id or ""):
            self.edited = True
        if self.has_focus:
            from immo_connect.tui.widgets.forms import clear_field_error

            clear_field_error(self)  # being corrected: its error line goes

    @property
    def _value(self) -> Text:
        return literal_text(super()._value)


def unsaved_input(screen: Any) -> bool:
    """True when a field of ``screen`` holds text the person typed there."""
    return any(field.edited and field.value for field in screen.query(Input))


__all__ = [
    "Button",
    "Checkbox",
    "DataTable",
    "Input",
    "Label",
    "Option",
    "OptionList",
    "RadioButton",
    "Select",
    "Span",
    "Static",
    "TabPane",
    "assemble",
    "literal",
    "literal_text",
    "printable",
    "unsaved_input",
]
