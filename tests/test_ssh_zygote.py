"""Session processes forked from the warm zygote: what they inherit, and what survives what.

The first tests drive a real zygote directly (:class:`SessionForker` in this process, a
probe entry in place of the terminal UI, tests/support/zygote_probe.py) and look at what a
forked session finds at its start. The others run the real server with real SSH clients:
a zygote killed or replaced under live sessions, one session crashing beside another.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from immo_connect.accounts.models import Session
from immo_connect.config import SshSection
from immo_connect.platform import Platform
from immo_connect.ssh.environment import child_environment
from immo_connect.ssh.prefork import ForkedProcess, SessionForker
from immo_connect.ssh.terminal import SessionProcess
from tests.support.ssh import (
    ROOT,
    ServerProcess,
    children_of,
    connect,
    open_terminal,
    wait_until_gone,
    zygote_pids,
)
from tests.test_ssh_server import PASSWORD, SIGN_IN_TITLE, eventually, make_user, type_username

PROBE = "tests.support.zygote_probe:main"
HOME = "Bonjour Alice Dumont"


@pytest.fixture
async def forker(tmp_path: Path) -> AsyncIterator[SessionForker]:
    config = tmp_path / "plugins.toml"
    config.write_text("")
    env = child_environment(None, {}, SshSection(fps=24), data_dir=str(tmp_path))
    made = SessionForker(python=sys.executable, config=str(config), env=env, entry=PROBE, cwd=str(ROOT))
    try:
        assert await made.start()
        yield made
    finally:
        await made.close()
        ctypes.CDLL(None).prctl(36, 0, 0, 0, 0)  # this test process stops adopting orphans


async def probe(forker: SessionForker, database_url: str, tmp_path: Path, **client_env: str) -> dict[str, Any]:
    env = child_environment("xterm-256color", client_env, SshSection(fps=24), data_dir=str(tmp_path))
    session = await SessionProcess.spawn(["false"], env=env, size=(80, 24, 0, 0), cwd=str(tmp_path),
                                         launch={"database_url": database_url}, forker=forker)
    try:
        assert isinstance(session.process, ForkedProcess)  # forked, not spawned
        (facts,) = await asyncio.wait_for(session.status_lines(), 30)
        assert await asyncio.wait_for(session.wait(), 30) == 0
    finally:
        await session.terminate()
        session.close()
    facts["expected_env"] = env
    return facts


async def test_forked_sessions_inherit_no_thread_loop_connection_or_random_state(
    forker: SessionForker, database_url: str, tmp_path: Path,
) -> None:
    first = await probe(forker, database_url, tmp_path, COLORTERM="24bit")
    second = await probe(forker, database_url, tmp_path)
    for facts in (first, second):
        assert facts["threads"] == 1 and not facts["running_loop"] and not facts["event_loop"]
        assert not facts["database_bound"]  # no connection until the session opens its own
        assert facts["textual_preloaded"] and facts["frozen_objects"] > 10_000  # warm and frozen
        assert facts["locales_preloaded"] == 3  # fr, nl, en: not loaded again by every session
        assert facts["session_leader"] and facts["tty"]
        # The session's environment (the allow-list), not the zygote's; Textual read it again.
        environ = {k: v for k, v in facts["environ"].items() if not k.startswith("IMMO_CONNECT_SSH_")}
        assert environ == facts["expected_env"] and facts["max_fps"] == 24
        # Nothing of the zygote's descriptors: the pty (0-2), its status pipe, the listing itself.
        assert len(facts["fds"]) <= 5
    assert first["environ"]["COLORTERM"] == "24bit" and second["environ"]["COLORTERM"] == "truecolor"
    assert first["pid"] != second["pid"]
    assert first["random"] != second["random"] and first["token"] != second["token"]
    assert first["connection"] != second["connection"]


async def test_sessions_forked_at_the_same_moment_each_get_their_own_process(
    forker: SessionForker, tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'immo.sqlite3'}"
    env = child_environment("xterm-256color", {}, SshSection(fps=24), data_dir=str(tmp_path))
    sessions = await asyncio.gather(*(
        SessionProcess.spawn(["false"], env=env, size=(80, 24, 0, 0), cwd=str(tmp_path),
                             launch={"database_url": url}, forker=forker)
        for _ in range(6)
    ))
    try:
        reports = await asyncio.wait_for(asyncio.gather(*(s.status_lines() for s in sessions)), 60)
        # The process the server waits for and signals is the one on that session's pty.
        assert [facts["pid"] for (facts,) in reports] == [s.pid for s in sessions]
        assert len({s.pid for s in sessions}) == 6
        assert [await s.wait() for s in sessions] == [0] * 6
    finally:
        for session in sessions:
            await session.terminate()
            session.close()


async def test_the_zygote_holds_no_thread_nor_database(forker: SessionForker, database_url: str, tmp_path: Path) -> None:
    await probe(forker, database_url, tmp_path)  # after serving a session, still clean
    assert forker.pid is not None
    assert len(os.listdir(f"/proc/{forker.pid}/task")) == 1
    targets = [os.readlink(f"/proc/{forker.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{forker.pid}/fd")]
    assert [t for t in targets if t.startswith("socket:")].__len__() == 1  # its control socket only
    assert not [t for t in targets if "immo" in t and "sqlite" in t]


async def test_without_a_zygote_sessions_are_spawned_after_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    config = tmp_path / "plugins.toml"
    config.write_text("")
    env = child_environment(None, {}, SshSection(), data_dir=str(tmp_path))
    broken = SessionForker(python=sys.executable, config=str(config), env=env, entry="no.such.module:main",
                           cwd=str(ROOT))
    try:
        # Attached to the logger itself: a test run earlier in this worker may have set up the
        # platform's logging, which stops propagation to the root logger caplog listens on.
        ssh_logger = logging.getLogger("immo_connect.ssh")
        ssh_logger.addHandler(caplog.handler)
        try:
            with caplog.at_level(logging.WARNING, logger="immo_connect.ssh"):
                assert not await broken.start()
        finally:
            ssh_logger.removeHandler(caplog.handler)
        assert any("session zygote unavailable" in r.getMessage() and "spawned" in r.getMessage()
                   for r in caplog.records)
        session = await SessionProcess.spawn([sys.executable, "-c", "print('spawned')"], env=env,
                                             size=(80, 24, 0, 0), launch={}, forker=broken)
        assert not isinstance(session.process, ForkedProcess)
        assert await session.wait() == 0
        assert b"spawned" in await session.read()
        await session.terminate()
        session.close()
    finally:
        await broken.close()
        ctypes.CDLL(None).prctl(36, 0, 0, 0, 0)


def zombies_of(parent: int) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            state, ppid = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        if int(ppid) == parent and state == "Z":
            found.append(int(entry))
    return found


async def test_a_zygote_dying_between_fork_and_answer_leaves_no_session_behind(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    config = tmp_path / "plugins.toml"
    config.write_text("")
    record = tmp_path / "forked.txt"
    env = child_environment(None, {}, SshSection(), data_dir=str(tmp_path))
    dying = SessionForker(python=sys.executable, config=str(config), env={**env, "ZYGOTE_FORKED_RECORD": str(record)},
                          entry="tests.support.zygote_dies_after_fork:main", cwd=str(ROOT))
    ssh_logger = logging.getLogger("immo_connect.ssh")
    ssh_logger.addHandler(caplog.handler)
    try:
        assert await dying.start()
        zygote = dying.pid
        with caplog.at_level(logging.WARNING, logger="immo_connect.ssh"):
            session = await SessionProcess.spawn([sys.executable, "-c", "print('spawned')"], env=env,
                                                 size=(80, 24, 0, 0), launch={}, forker=dying)
        # The user gets a session all the same: spawned on a new pty and new pipes.
        assert not isinstance(session.process, ForkedProcess)
        assert await asyncio.wait_for(session.wait(), 60) == 0
        assert b"spawned" in await session.read()
        await session.terminate()
        session.close()
        (forked,) = [int(line) for line in record.read_text().split()]
        # The session the zygote forked before dying was ended and collected, like its
        # intermediate: no process of it is left, not even a zombie.
        assert not Path(f"/proc/{forked}").exists()
        assert zygote is not None and not Path(f"/proc/{zygote}").exists()
        assert zombies_of(os.getpid()) == []
        messages = [r.getMessage() for r in caplog.records]
        assert any("could not fork" in m for m in messages)
        assert any(f"session process {forked}, forked without an answer from its zygote, was ended" in m
                   for m in messages)
    finally:
        ssh_logger.removeHandler(caplog.handler)
        await dying.close()
        ctypes.CDLL(None).prctl(36, 0, 0, 0, 0)


# -- the real server ---------------------------------------------------------------------------


async def sign_in_screen(port: int) -> tuple[Any, Any, Any]:
    conn = await connect(port)
    process, screen = await open_terminal(conn)
    await screen.wait_for(SIGN_IN_TITLE, timeout=30)
    return conn, process, screen


async def still_answers(process: Any, screen: Any, text: str) -> None:
    mark = screen.mark()
    process.stdin.write(text.encode())
    await screen.wait_for(text, since=mark)


async def new_zygote(server: ServerProcess, old: set[int], timeout: float = 60.0) -> int:
    found = await eventually(lambda: zygote_pids(server.pid) - old, timeout)
    assert found, "no new zygote"
    return next(iter(found))  # type: ignore[call-overload]


@pytest.mark.slow
async def test_a_crashed_zygote_is_restarted_without_dropping_live_sessions(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    server = serve()
    conn, process, screen = await sign_in_screen(server.port)
    (session,) = children_of(server.pid)
    (zygote,) = zygote_pids(server.pid)
    os.kill(zygote, signal.SIGKILL)
    await new_zygote(server, {zygote})
    assert any("ended unexpectedly" in line for line in server.output)
    # The live session never noticed; a new one starts from the new zygote.
    assert session in children_of(server.pid)
    await still_answers(process, screen, "alice")
    other, _process, _screen = await sign_in_screen(server.port)
    assert len(children_of(server.pid)) == 2
    for each in (conn, other):
        each.close()
    assert await wait_until_gone(children_of(server.pid)) == set()


@pytest.mark.slow
async def test_sighup_replaces_the_zygote_and_live_sessions_go_on(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    server = serve()
    conn, process, screen = await sign_in_screen(server.port)
    (session,) = children_of(server.pid)
    (zygote,) = zygote_pids(server.pid)
    os.kill(server.pid, signal.SIGHUP)
    await new_zygote(server, {zygote})
    assert await eventually(lambda: zygote not in zygote_pids(server.pid), 30)  # the old one left
    assert server.process is not None and server.process.poll() is None  # SIGHUP no longer stops it
    assert any("session zygote replaced: reload requested (SIGHUP)" in line for line in server.output)
    assert session in children_of(server.pid)
    await still_answers(process, screen, "alice")
    other, _process, _screen = await sign_in_screen(server.port)
    for each in (conn, other):
        each.close()
    assert await wait_until_gone(children_of(server.pid)) == set()


@pytest.mark.slow
async def test_a_changed_configuration_file_replaces_the_zygote(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    server = serve()
    (zygote,) = zygote_pids(server.pid)
    server.config.write_text(server.config.read_text() + "\n# edited\n")
    conn, _process, _screen = await sign_in_screen(server.port)  # spawned while the new one starts
    await new_zygote(server, {zygote})
    assert any("configuration or installed plugins changed" in line for line in server.output)
    conn.close()
    assert await wait_until_gone(children_of(server.pid)) == set()


@pytest.mark.slow
async def test_one_crashing_session_leaves_the_others_and_nothing_behind(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    make_user(platform)
    server = serve()
    first, first_process, _first_screen = await sign_in_screen(server.port)
    (crashing,) = children_of(server.pid)
    second, process, screen = await sign_in_screen(server.port)
    os.kill(crashing, signal.SIGKILL)
    await asyncio.wait_for(first_process.wait_closed(), 20)
    await type_username(process, screen)
    process.stdin.write(PASSWORD.encode() + b"\r")
    await screen.wait_for(HOME, timeout=30)
    assert len(children_of(server.pid)) == 1
    second.close()
    first.close()
    assert await wait_until_gone(children_of(server.pid)) == set()
    assert await eventually(lambda: zygote_pids(server.pid))  # the zygote is untouched


@pytest.mark.slow
async def test_two_sessions_never_share_a_session_token(platform: Platform, serve: Callable[..., ServerProcess]) -> None:
    make_user(platform)
    server = serve()
    clients = [await sign_in_screen(server.port) for _ in range(2)]
    for _conn, process, screen in clients:
        await type_username(process, screen)
        process.stdin.write(PASSWORD.encode() + b"\r")
    for _conn, _process, screen in clients:
        await screen.wait_for(HOME, timeout=30)
    tokens = [row.token_hash for row in Session.select()]
    assert len(tokens) == 2 and len(set(tokens)) == 2


@pytest.mark.slow
async def test_no_process_outlives_a_disconnect_or_the_server(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    server = serve()
    conn, _process, _screen = await sign_in_screen(server.port)
    sessions = children_of(server.pid)
    conn.abort()
    assert await wait_until_gone(sessions) == set()
    kept, _process, _screen = await sign_in_screen(server.port)
    sessions = children_of(server.pid)
    zygotes = zygote_pids(server.pid)
    assert server.process is not None
    server.process.kill()  # even without a clean stop, nothing stays behind
    server.process.wait()
    assert await wait_until_gone(sessions) == set()
    assert await eventually(lambda: not any(Path(f"/proc/{pid}").exists() and
                                            "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]
                                            for pid in zygotes))
    kept.close()
