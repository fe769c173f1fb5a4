"""Opening a tool's own screen under a quality, and texts the tool screens share."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from textual.app import App

from immo_connect.i18n import _

log = logging.getLogger("immo_connect.tui")

# States are written out, with a symbol: never colour alone.
MET = "✓"
MISSING = "✗"
BLOCKED_MARK = "⛔"
NONE_MARK = "—"


def open_tool(app: App[Any], context: Any) -> bool:
    """Make ``context`` the app's tool context and push the tool's screen built with it."""
    tool = app.platform.plugins.tool(context.tool)  # type: ignore[attr-defined]
    if tool is None:
        app.notify(_("This tool is no longer available."), severity="error", title=_("Error"))
        return False
    module_name, _sep, class_name = tool.screen.partition(":")
    try:
        screen_class = getattr(importlib.import_module(module_name), class_name)
        screen = guarded(screen_class)(context)
    except Exception:  # a broken tool screen must not take the app down
        log.exception("cannot open the screen of tool %s", context.tool)
        app.notify(_("The screen of this tool cannot be opened."), severity="error",
                   title=_("Error"))
        return False
    previous = getattr(app, "tool_screen", None)
    if previous is not None and app.screen is previous:
        app.pop_screen()  # another quality of the tool that was open replaces it
    app.tool_context = context  # type: ignore[attr-defined]
    app.tool_screen = screen  # type: ignore[attr-defined]
    app.push_screen(screen)
    return True


class _GuardedToolScreen:
    """Put before a tool's screen class: a failure in its own events closes it, not the app.

    Textual ends the app on any exception in a screen's message handling (compose, mount,
    its handlers) and stops that screen's message loop; here the screen keeps running long
    enough to be closed, and the app says which tool failed (``ImmoConnectApp``).
    """

    async def _dispatch_message(self, message: Any) -> None:
        try:
            await super()._dispatch_message(message)  # type: ignore[misc]
        except Exception as error:
            close = getattr(self.app, "_close_failed_tool", None)  # type: ignore[attr-defined]
            if close is None or not close(error, self):
                raise


def guarded(screen_class: type[Any]) -> type[Any]:
    """``screen_class`` whose failures close it, in the frame; same module, so its relative CSS_PATH holds."""
    from immo_connect.tui.shell import WorkspaceScreen

    # In the frame too: the header says under which quality (and wallet) the tool runs.
    bases = (_GuardedToolScreen, screen_class) + (() if issubclass(screen_class, WorkspaceScreen) else (WorkspaceScreen,))
    return type(screen_class.__name__, bases, {"__module__": screen_class.__module__, "AREA": "tools"})


def status_word(status: str, role_title: str = "") -> str:
    """An employee's access to a usage mode, in words with a symbol."""
    if status == "role":
        return f"{MET} {role_title}"
    if status == "blocked":
        return f"{BLOCKED_MARK} " + _("Access blocked")
    if status == "invalid_recognitions":
        return f"{MISSING} " + _("Invalid recognitions")
    return f"{NONE_MARK} " + _("No user of the tool")
