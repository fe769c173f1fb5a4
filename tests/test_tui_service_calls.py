"""Service calls from screens: a newer call of the same kind wins, whatever order the
threads finish in (a thread worker cannot be stopped once started)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Label

from immo_connect.errors import ValidationError
from immo_connect.platform import Platform
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.app import ImmoConnectApp
from tests.support.tui import settle, workers_done

Make = Callable[..., Platform]


class ProbeScreen(ServiceHandlers, Screen[None]):
    def compose(self) -> ComposeResult:
        yield Label("", id="probe")


def _older(started: threading.Event, may_finish: threading.Event, fails: bool) -> str:
    started.set()
    assert may_finish.wait(10)
    if fails:
        raise ValidationError("The older call failed.")
    return "old"


@pytest.mark.parametrize("fails", [False, True], ids=["result", "error"])
async def test_an_older_call_ending_last_shows_neither_its_result_nor_its_error(platform: Platform,
                                                                                 fails: bool) -> None:
    app = ImmoConnectApp(platform)
    shown: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ProbeScreen()
        await app.push_screen(screen)
        started, may_finish = threading.Event(), threading.Event()
        call_service(screen, "load", _older, started, may_finish, fails, on_done=shown.append,
                     on_error=lambda error: shown.append(error.message))
        await settle(pilot, started.is_set)  # its thread runs: cancelling the worker cannot stop it
        call_service(screen, "load", str.upper, "new", on_done=shown.append)
        await settle(pilot, lambda: bool(shown))
        assert shown == ["NEW"]
        may_finish.set()  # the older thread ends only now, after the newer result is shown
        await workers_done(app)
        await settle(pilot)
        assert shown == ["NEW"]


async def test_calls_of_other_kinds_or_other_screens_all_report(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    shown: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        first, second = ProbeScreen(), ProbeScreen()
        await app.push_screen(first)
        await app.push_screen(second)
        call_service(first, "load", str.upper, "a", on_done=shown.append)
        call_service(first, "other", str.upper, "b", on_done=shown.append)
        call_service(second, "load", str.upper, "c", on_done=shown.append)
        await settle(pilot, lambda: len(shown) == 3)
        assert sorted(shown) == ["A", "B", "C"]
