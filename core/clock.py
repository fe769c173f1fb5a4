"""Time in one place: naive UTC datetimes everywhere in storage, and a clock tests can move."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """The current time in UTC, without tzinfo (how it is stored on both databases)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Clock:
    """The platform's clock; ``FrozenClock`` in tests replaces it to reach expiries."""

    def now(self) -> dt.datetime:
        return utcnow()


class FrozenClock(Clock):
    def __init__(self, start: dt.datetime | None = None) -> None:
        self.current = start or utcnow()

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> dt.datetime:
        self.current += dt.timedelta(**delta)
        return self.current
