"""Service calls from screens: a newer call of the same kind wins, whatever order the
threads finish in (a thread worker cannot be stopped once started)."""

from __future__ import annotations

import threading
from collections.abc import Callable

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


def _slow(started: threading.Event, may_finish: threading.Event, answer: str) -> str:
    started.set()
    assert may_finish.wait(10)
    return answer


def _refuse(started: threading.Event, may_finish: threading.Event) -> str:
    started.set()
    assert may_finish.wait(10)
    raise ValidationError("The older call failed.")


async def test_an_older_call_finishing_last_does_not_overwrite_the_newer_result(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    shown: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ProbeScreen()
        await app.push_screen(screen)
        started, may_finish = threading.Event(), threading.Event()
        call_service(screen, "load", _slow, started, may_finish, "old", on_done=shown.append)
        await settle(pilot, started.is_set)  # its thread runs: cancelling the worker cannot stop it
        call_service(screen, "load", str.upper, "new", on_done=shown.append)
        await settle(pilot, lambda: shown == ["NEW"])
        assert shown == ["NEW"]
        may_finish.set()  # the older thread ends only now, after the newer result is shown
        await workers_done(app)
        await settle(pilot)
        assert shown == ["NEW"]


async def test_an_older_call_failing_last_does_not_show_its_error(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    shown: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ProbeScreen()
        await app.push_screen(screen)
        started, may_finish = threading.Event(), threading.Event()
        call_service(screen, "save", _refuse, started, may_finish, on_error=lambda error: shown.append(error.message))
        await settle(pilot, started.is_set)
        call_service(screen, "save", str.upper, "saved", on_done=shown.append)
        await settle(pilot, lambda: bool(shown))
        may_finish.set()
        await workers_done(app)
        await settle(pilot)
        assert shown == ["SAVED"]


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
