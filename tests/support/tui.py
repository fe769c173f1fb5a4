"""Helpers for Pilot tests of the terminal UI."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.worker import WorkerCancelled

from tests.support.accounts import session_for


async def workers_done(app: App[object]) -> None:
    """Wait for the app's workers to end. A worker cancelled meanwhile (a newer call of the
    same kind replaced it) counts as ended: ``WorkerManager.wait_for_complete`` raises then."""
    for worker in list(app.workers):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()


def sign_in(app: App[int], account: object) -> None:
    """Start the app's session for ``account``, as the sign-in screen does."""
    app.session = session_for(app.platform, account)  # type: ignore[attr-defined]


def table_text(app: App[int], selector: str) -> str:
    """The rows of a DataTable on the current screen, one line each, cells joined by " | "."""
    table = app.screen.query_one(selector, DataTable)
    return "\n".join(" | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count))


async def settle(pilot: Pilot[object], until: Callable[[], object] | None = None, *, rounds: int = 1000) -> None:
    """Wait until the service calls are done and their results are on the screen.

    With ``until``, wait for that condition instead (for screens that keep polling).
    """
    for _ in range(rounds):
        await pilot.pause()
        if until is not None:
            if until():
                break
        elif not any(worker.is_running for worker in pilot.app.workers):
            break
        await asyncio.sleep(0.01)
    await pilot.pause()
    await pilot.pause()


# Escape sequences Textual itself writes: colours and styles, cursor moves, links.
_OWN_SEQUENCES = re.compile(r"\x1b\[[0-9;:]*m|\x1b\[\d+;\d+H|\x1b\[\d*[ABCDG]|\x1b\]8;[^\x1b]*\x1b\\\\")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def terminal_output(app: App[object]) -> str:
    """What a full repaint of the current screen sends to the terminal."""
    update = app.screen._compositor.render_update(full=True)
    assert update is not None
    return str(update.render_segments(app.console))


def foreign_controls(output: str) -> list[str]:
    """Control characters in ``output`` that are not part of Textual's own sequences."""
    return sorted({repr(match.group()) for match in _CONTROL.finditer(_OWN_SEQUENCES.sub("", output))})


def steady_cursors(app: App[int]) -> None:
    """Stops the text cursors' blinking (shown steadily), so that a snapshot does not depend on
    the moment it is taken: under load the blink phase differed from one run to the next."""
    from textual.widgets import Input, TextArea

    for widget in app.screen.query("*"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False


def _layout_pending(app: App[object]) -> bool:
    """True while the current screen still has layout, measuring or repainting to do."""
    screen = app.screen
    if screen._layout_required or screen._scroll_required or screen._repaint_required or screen._dirty_widgets:
        return True
    for widget in screen.walk_children(with_self=False):
        if widget._layout_required or widget._repaint_required:
            return True
        # A table measures its new rows (its size, hence the layout) when its messages are done.
        if isinstance(widget, DataTable) and (widget._require_update_dimensions or widget._updated_cells):
            return True
    return False


async def steady_screen(pilot: Pilot[object], *, rounds: int = 500) -> None:
    """Make the current screen ready for a snapshot: cursors shown steadily, and every pending
    layout done.

    ``Pilot.pause()`` judges the app idle by its CPU time, which a loaded machine makes look
    idle early: a table could be pictured before it measured its rows, or a button before
    the layout took its new label into account.
    """
    steady_cursors(pilot.app)  # type: ignore[arg-type]
    for _ in range(rounds):
        await pilot.pause()
        if not _layout_pending(pilot.app):
            break
        await asyncio.sleep(0.01)
    await pilot.pause()

