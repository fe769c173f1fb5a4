"""Stopping the SSH server while sessions end: it stops promptly and leaves no session process.

The server runs in this test's event loop (a real :class:`SshServer` on loopback, real
asyncssh clients, real session processes on their ptys), so that a session's end can be
made to coincide, to the loop step, with a change of its time limits: what a status line
from the session process ("signed in", "signed out") does when it arrives in the same
step as the end of the session. Under a burst of sessions that happens by chance; on
Python 3.11 the session's timer task then lost its cancellation and the session, and with
it the server's stop, waited for the idle timeout (minutes). Sessions still being admitted
when the stop begins must end too, before their process starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable

import asyncssh
import pytest

from immo_connect.platform import Platform
from immo_connect.ssh.models import SshSession
from immo_connect.ssh.server import SshServer
from tests.support.ssh import children_of, connect, open_terminal, wait_until_gone
from tests.test_ssh_server import SIGN_IN_TITLE

pytestmark = pytest.mark.slow

SESSIONS = 4
CONFIG = """
[ssh]
prefork = false
max_anonymous_sessions = 10
max_anonymous_per_address = 10
idle_timeout_minutes = 30
sign_in_timeout_seconds = 600
"""


async def test_the_server_stops_at_once_when_sessions_end_as_their_time_limits_change(
    make_platform: Callable[..., Platform],
) -> None:
    platform = make_platform(config_text=CONFIG)
    server = SshServer(platform, asyncssh.generate_private_key("ssh-ed25519"))
    await server.start("127.0.0.1", 0)
    clients: list[asyncssh.SSHClientConnection] = []
    pids: set[int] = set()
    try:
        for _ in range(SESSIONS):
            conn = await connect(server.port)
            clients.append(conn)
            _process, screen = await open_terminal(conn)
            await screen.wait_for(SIGN_IN_TITLE, timeout=60)
        sessions = list(server.sessions.values())
        assert len(sessions) == SESSIONS
        pids = {session.child.pid for session in sessions if session.child is not None}
        # Each session's limits change (as on a status line), then it ends 0, 1, 2… loop
        # steps later: one of these steps is the one where the old timer lost its cancel.
        for delay, session in enumerate(sessions):
            session._set_account(session.account_id)
            for _step in range(delay):
                await asyncio.sleep(0)
            session.stop("disconnected")
        await asyncio.wait_for(server.close(), 20)
    finally:
        for conn in clients:
            conn.close()
        if not server.closing:
            await server.close()
    assert await wait_until_gone(pids) == set()
    assert [row.end_reason for row in SshSession.select()] == ["disconnected"] * SESSIONS


def session_handlers() -> list[asyncio.Task[object]]:
    """The server's tasks serving one SSH session each (admission, process, pumps)."""
    return [task for task in asyncio.all_tasks()
            if getattr(task.get_coro(), "__qualname__", "") == "SshServer._handle_process"]


async def test_sessions_being_admitted_when_the_server_stops_leave_nothing_running(
    make_platform: Callable[..., Platform],
) -> None:
    platform = make_platform(config_text=CONFIG)
    server = SshServer(platform, asyncssh.generate_private_key("ssh-ed25519"))
    await server.start("127.0.0.1", 0)
    clients = [await connect(server.port) for _ in range(SESSIONS)]
    opening = [asyncio.create_task(open_terminal(conn)) for conn in clients]
    try:
        while len(session_handlers()) < SESSIONS:  # each session asked for, none admitted yet
            await asyncio.sleep(0)
        await asyncio.wait_for(server.close(), 20)
        # Nothing of a session is still on its way: no process started after the stop.
        assert session_handlers() == []
        assert children_of(os.getpid()) == set()
        assert [row.end_reason for row in SshSession.select()] == ["server_stopped"] * SESSIONS
    finally:
        for conn in clients:
            conn.close()
        for task in opening:
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(*opening, return_exceptions=True)
        if not server.closing:
            await server.close()
        await wait_until_gone(children_of(os.getpid()))
