"""The one table of the terminal UI: what matters stays on screen, a row's full text is one key away.

Every list of the UI (transactions, employees, tools, organisations, invoices, the back
office) is a :class:`RecordTable`. Its columns are declared once with what they are:

- ``keep``: never pushed off-screen (an amount, a status, a date, a name);
- ``flex``: the free text (a description), which takes the width left and ends with « … »
  when it is cut;
- the others (``priority`` 1, 2…) shown while there is room, the highest number given up
  first; a cut one ends with « … » too.

A ``max_width`` cuts a column only when the room is short: what the free text leaves goes
back to the cut columns.

The table lays its columns out again whenever its width changes, so at 80 columns the
amount of a line with a 10,000-character description is still whole on screen. The key of
:data:`~immo_connect.tui.keymap.ROW_DETAIL` opens every column of the selected row, cut or
hidden, in a dialog that shows people's text literally (:mod:`tui/screens/row_detail.py`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from rich.text import Text
from textual.content import Content
from textual.events import Resize

from immo_connect.tui.keymap import ROW_DETAIL
from immo_connect.tui.widgets.safe import DataTable, printable

# The free-text column never gets narrower than this (or its own width, when shorter).
FLEX_MIN_WIDTH = 12
# ...and the other columns give way before it is narrower than this.
FLEX_PREFERRED_WIDTH = 24
ELLIPSIS = "…"
# A line break inside a cell: the row keeps one line, the break stays visible.
LINE_BREAK = "⏎"

Cell = str | Text | Content


@dataclasses.dataclass(frozen=True)
class Column:
    """One column: its (translated) label and how it behaves when the table is narrow."""

    label: str
    keep: bool = False
    flex: bool = False
    priority: int = 1  # among the other columns: the highest is given up first
    max_width: int = 0  # a non-flex column is cut at this width (0: its own width)
    right: bool = False  # numbers: aligned right

    @property
    def always(self) -> bool:
        return self.keep or self.flex


def plain(cell: Cell) -> str:
    """What a cell says, as text (for the row's detail)."""
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, Content):
        return cell.plain
    return str(cell)


def _one_line(cell: Cell, right: bool) -> Text:
    if isinstance(cell, Text):
        text = cell.copy()
    elif isinstance(cell, Content):
        text = Text(cell.plain)
    else:
        text = Text(str(cell))
    if "\n" in text.plain:
        # The same length, so the styles keep their place.
        text.plain = text.plain.replace("\n", LINE_BREAK)
    text.plain = printable(text.plain)
    if right:
        text.justify = "right"
    return text


def cut(cell: Cell, width: int, *, right: bool = False) -> Text:
    """``cell`` on one line, ending with « … » when it is wider than ``width``."""
    text = _one_line(cell, right)
    if text.cell_len > width:
        text.truncate(max(width, 1), overflow="ellipsis")
    return text


def layout(columns: Sequence[Column], natural: Sequence[int], room: int, padding: int) -> list[int]:
    """The width of each column (0: not shown) so that the whole fits in ``room`` cells.

    ``natural`` is each column's own width (its widest cell or label); every shown column
    also takes ``padding`` cells.
    """
    widths = [0] * len(columns)
    wanted = [min(n, c.max_width) if c.max_width and not c.flex else n for c, n in zip(columns, natural, strict=True)]
    used = 0
    for index, column in enumerate(columns):
        if column.always:
            widths[index] = min(wanted[index], FLEX_MIN_WIDTH) if column.flex else wanted[index]
            used += widths[index] + padding
    # The other columns come only while the free text keeps a readable width.
    reserve = sum(min(wanted[i], FLEX_PREFERRED_WIDTH) - widths[i] for i, c in enumerate(columns) if c.flex)
    optional = sorted((i for i, c in enumerate(columns) if not c.always), key=lambda i: (columns[i].priority, i))
    for index in optional:
        if used + reserve + wanted[index] + padding <= room:
            widths[index] = wanted[index]
            used += wanted[index] + padding
    for index, column in enumerate(columns):
        if column.flex:
            grown = max(widths[index], min(wanted[index], widths[index] + room - used))
            used += grown - widths[index]
            widths[index] = grown
    # What the free text leaves goes back to the columns cut at their maximum width.
    for index in range(len(columns)):
        if widths[index] and widths[index] < natural[index] and used < room:
            grown = min(natural[index], widths[index] + room - used)
            used += grown - widths[index]
            widths[index] = grown
    return widths


class RecordTable(DataTable[Any]):
    """A table of rows (a key and one cell per column) laid out for the width it has."""

    BINDINGS = [ROW_DETAIL.binding()]

    def __init__(self, *columns: Column, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        self.columns_spec: tuple[Column, ...] = columns
        self.records: dict[str, tuple[Cell, ...]] = {}
        self._order: list[str] = []
        self._widths: list[int] = []

    # -- filling ------------------------------------------------------------------------------

    def set_records(self, records: Iterable[tuple[str, Sequence[Cell]]]) -> None:
        """Show these rows (in this order); the cursor stays on the same key when it is still there."""
        current = self.selected_key()
        row = self.cursor_row
        self.records = {}
        self._order = []
        for key, cells in records:
            self.records[key] = tuple(cells)
            self._order.append(key)
        self._draw(force=True)
        if self._order:
            position = self._order.index(current) if current in self.records else min(row, len(self._order) - 1)
            self.move_cursor(row=max(position, 0))
        if self.is_attached:
            self.refresh_bindings()  # the row key is offered only while there is a row

    def selected_key(self) -> str | None:
        if not self._order or self.row_count == 0:
            return None
        row = self.cursor_row
        return self._order[row] if 0 <= row < len(self._order) else None

    def row_details(self, key: str) -> list[tuple[str, str]]:
        """Every column of a row, label and full text, whether it is shown, cut or hidden."""
        return [(column.label, plain(cell)) for column, cell in zip(self.columns_spec, self.records[key], strict=True)]

    # -- layout -------------------------------------------------------------------------------

    def _room(self) -> int:
        # The vertical scrollbar's place is always kept: appearing with the rows, it would
        # otherwise change the room and the layout with it.
        return max(self.content_region.width - self.styles.scrollbar_size_vertical, 0)

    def _natural(self) -> list[int]:
        natural = [Text(column.label).cell_len for column in self.columns_spec]
        for cells in self.records.values():
            for index, cell in enumerate(cells):
                # Never measure more than the screen could show (a 10,000-character description).
                natural[index] = max(natural[index], min(_one_line(cell, False).cell_len, 1000))
        return natural

    def _draw(self, *, force: bool = False) -> None:
        room = self._room()
        if room <= 0 and not force:
            return
        widths = layout(self.columns_spec, self._natural(), room or 80, 2 * self.cell_padding)
        if not force and widths == self._widths:
            return
        self._widths = widths
        cursor = self.cursor_row
        self.clear(columns=True)
        shown = [(column, width) for column, width in zip(self.columns_spec, widths, strict=True) if width]
        for column, width in shown:
            label = cut(column.label, width, right=column.right)
            self.add_column(label, width=width)
        for key in self._order:
            cells = self.records[key]
            self.add_row(*(cut(cell, width, right=column.right)
                           for column, width, cell in zip(self.columns_spec, widths, cells, strict=True) if width), key=key)
        if self._order:
            self.move_cursor(row=min(cursor, len(self._order) - 1), animate=False)

    def on_resize(self, event: Resize) -> None:
        self._draw()

    # -- the row's detail -----------------------------------------------------------------------

    def action_show_row(self) -> None:
        key = self.selected_key()
        if key is None:
            return
        from immo_connect.tui.screens.row_detail import RowDetailDialog

        self.app.push_screen(RowDetailDialog(self.row_details(key)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_row":
            return bool(self._order)
        return True


__all__ = ["Column", "RecordTable", "cut", "layout", "plain"]
