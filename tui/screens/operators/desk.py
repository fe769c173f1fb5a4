"""What the back office's working screens (an account, the money desk) share: the message
line, asking an action with its reason before calling the service, and the selected row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from textual.screen import Screen

from immo_connect.errors import ImmoConnectError
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.operators.back_office import actor_of
from immo_connect.tui.screens.operators.reason_dialog import ReasonDialog
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.safe import DataTable

Row = TypeVar("Row")


class OperatorDeskScreen(ServiceHandlers, Screen[None]):
    """A back-office screen with a ``#bo-message`` line and an ``action_refresh``."""

    CSS_PATH = "../../styles/operators.tcss"

    def action_refresh(self) -> None:
        raise NotImplementedError

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#bo-message", FormMessage).error(error)

    def _done(self, text: str) -> None:
        self.query_one("#bo-message", FormMessage).ok(text)
        self.action_refresh()

    def _selected(self, table_id: str, rows: Sequence[Row]) -> Row | None:
        """The row under the table's cursor (None when the table is empty)."""
        if not rows:
            return None
        table = self.query_one(table_id, DataTable)
        return rows[min(max(table.cursor_row, 0), len(rows) - 1)]

    def _ask(self, question: str, yes: str, run: Callable[[dict[str, str]], tuple[Callable[..., Any], tuple[Any, ...]]],
             done: str | Callable[[Any], None], fields: list[tuple[str, str]] | None = None) -> None:
        """Ask with the reason (and ``fields``); then call the service ``run`` names as the
        signed-in operator; say ``done`` (or hand it the result) and refresh."""

        def answered(answer: dict[str, str] | None) -> None:
            if answer is None:
                return
            function, args = run(answer)
            on_done = done if callable(done) else (lambda _result: self._done(done))  # type: ignore[arg-type]
            call_service(self, "bo-act", function, actor_of(self), *args, on_done=on_done, on_error=self._failed)

        self.app.push_screen(ReasonDialog(question, yes, fields), answered)
