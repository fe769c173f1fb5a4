"""The pages of a list read from the database by keyset paging (employees, wallet transactions).

The core returns one page and where the next one starts; the screen keeps where each page
it showed started, so « previous » goes back without counting rows. The next and previous
page keys are offered only when there is such a page (``allows``, for ``check_action``).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from immo_connect.i18n import _

Start = TypeVar("Start")


class Pager(Generic[Start]):
    def __init__(self) -> None:
        self.starts: list[Start | None] = [None]  # where each page seen starts; None: the first
        self.next_start: Start | None = None  # where the page after the one shown starts

    @property
    def number(self) -> int:
        return len(self.starts)

    @property
    def current(self) -> Start | None:
        return self.starts[-1]

    def restart(self) -> None:
        """Back to the first page (a filter changed)."""
        self.starts = [None]
        self.next_start = None

    def shown(self, next_start: Start | None) -> None:
        """A page was shown; the next one starts at ``next_start`` (None: it was the last)."""
        self.next_start = next_start

    def forward(self) -> bool:
        """Move to the next page; False when there is none."""
        if self.next_start is None:
            return False
        self.starts.append(self.next_start)
        return True

    def back(self) -> bool:
        """Move to the previous page; False when this is the first."""
        if len(self.starts) < 2:
            return False
        self.starts.pop()
        return True

    def allows(self, action: str) -> bool | None:
        """For ``check_action``: whether a paging action applies now; None for other actions."""
        if action == "next_page":
            return self.next_start is not None
        if action == "previous_page":
            return len(self.starts) > 1
        return None

    def describe(self) -> list[str]:
        """« Page 2 », and the keys that move from it (whole phrases, never assembled)."""
        parts = [_("Page {number}").format(number=self.number)]
        if self.next_start is not None:
            parts.append(_("N: next page"))
        if self.number > 1:
            parts.append(_("P: previous page"))
        return parts
