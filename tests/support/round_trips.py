"""Count the statements the platform sends to its database (each one a round trip on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from immo_connect.storage import database


class _CountingCursor:
    """The driver's cursor, noting each statement it executes."""

    def __init__(self, cursor: Any, sent: list[str]) -> None:
        self._cursor, self._sent = cursor, sent

    def execute(self, sql: str, params: Any = ()) -> Any:
        self._sent.append(" ".join(sql.split()))
        self._cursor.execute(sql, params)
        return self

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """Every statement sent on this thread's connection meanwhile, BEGIN and COMMIT included
    (peewee sends those as statements on both engines)."""
    db: Any = database.obj
    db.connect(reuse_if_open=True)
    sent: list[str] = []
    real = db.cursor
    db.cursor = lambda *args, **kwargs: _CountingCursor(real(*args, **kwargs), sent)
    try:
        yield sent
    finally:
        del db.cursor
