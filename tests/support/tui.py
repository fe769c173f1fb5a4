"""Helpers for Pilot tests of the terminal UI."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.pilot import Pilot


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
