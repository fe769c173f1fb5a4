"""The SSH server's side of the session zygote (:mod:`immo_connect.ssh.zygote`).

:class:`SessionForker` keeps one warm zygote process running and asks it for a session
process per connection. The server is made a sub-reaper, so every session the zygote forks
(through an intermediate that exits) becomes the server's own child: the server waits for it
through a pidfd (:class:`ForkedProcess`) and ends its process group as for a spawned
process, and live sessions do not depend on the zygote any more.

The zygote is replaced on ``SIGHUP`` (:meth:`SessionForker.replace`) and when the
configuration file or an installed plugin changes (checked at each new session); one that
ends unexpectedly is started again. Whenever no zygote is ready, :meth:`SessionForker.fork`
returns ``None`` and the server spawns the session process the old way, after one log line
saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from immo_connect.ssh.zygote import CONTROL_FD_VARIABLE, DEFAULT_ENTRY, READY

log = logging.getLogger("immo_connect.ssh")

ZYGOTE_MODULE = "immo_connect.ssh.zygote"
START_TIMEOUT_SECONDS = 120.0  # imports on a busy machine
FORK_TIMEOUT_SECONDS = 120.0  # a fork waits for the CPU behind every busy session
REPORT_TIMEOUT_SECONDS = 10.0  # an intermediate exits at once; this is only a bound
RESTART_DELAYS = (0.5, 2.0, 10.0, 30.0)  # after an unexpected end, growing while it keeps failing
_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make orphaned descendants (the forked sessions) children of this process (Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


class ForkedProcess:
    """A session process forked by the zygote and reparented to this server."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._loop = asyncio.get_running_loop()
        self._done: asyncio.Future[int] = self._loop.create_future()
        self._pidfd = os.pidfd_open(pid)
        self._loop.add_reader(self._pidfd, self._reap)
        self._reap()  # it may have ended already

    def _reap(self) -> None:
        if self._done.done():
            return
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:  # not ours to reap (should not happen under a sub-reaper)
            pid, status = self.pid, 255 << 8
        if pid == 0:
            return
        self.returncode = os.waitstatus_to_exitcode(status)
        self._loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        self._done.set_result(self.returncode)

    async def wait(self) -> int:
        return await asyncio.shield(self._done)


def _fingerprint(config: str) -> tuple[tuple[str, int, int], ...]:
    """What a zygote's imports depend on: the configuration file and the import folders."""
    stamps = []
    working = os.getcwd()
    for path in [config, *sys.path]:
        if not path or path == working:  # the folder the server was started from: not plugins
            continue
        try:
            stat = os.stat(path)
        except OSError:
            continue
        stamps.append((path, stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


class SessionNotForked(Exception):
    """The zygote was asked for a session and did not answer with one (see :meth:`SessionForker.fork`)."""


def _readable(loop: asyncio.AbstractEventLoop, fd: int) -> asyncio.Future[None]:
    future: asyncio.Future[None] = loop.create_future()
    loop.add_reader(fd, lambda: None if future.done() else future.set_result(None))
    return future


async def _read_to_end(fd: int, timeout: float) -> bytes:
    """What a pipe holds once every writer has closed it (or after ``timeout``)."""
    loop = asyncio.get_running_loop()
    os.set_blocking(fd, False)
    data = b""
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            readable = _readable(loop, fd)
            try:
                await asyncio.wait_for(readable, max(0.0, deadline - loop.time()))
            except TimeoutError:
                break
            finally:
                loop.remove_reader(fd)
            continue
        if not chunk:
            return data
        data += chunk
    log.warning("a fork report stayed open for %.0f s", timeout)
    return data


async def _reap(pid: int, timeout: float) -> bool:
    """Wait for ``pid`` to end and collect it (it becomes this sub-reaper's child as its parent exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0]:
                return True
        except ChildProcessError:
            if not os.path.exists(f"/proc/{pid}"):
                return True  # gone, collected by its own parent (a zygote still alive)
        await asyncio.sleep(0.01)  # the kernel tells no one when a process changes parents
    return False


async def _end_unanswered(report: int) -> None:
    """End the session the zygote forked without telling (it died or failed before its answer).

    The intermediate wrote ``"<its pid> <session pid>"`` to the report pipe before answering;
    the pipe is at its end once the intermediate has exited (and the zygote, asked to stop,
    has closed its copy), so an empty report means nothing was forked.
    """
    pids = (await _read_to_end(report, REPORT_TIMEOUT_SECONDS)).split()
    if len(pids) != 2:
        return
    intermediate, session = int(pids[0]), int(pids[1])
    for kill in (os.killpg, os.kill):  # its group once it has made one, and the process itself
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(session, signal.SIGKILL)
    ended = await _reap(session, REPORT_TIMEOUT_SECONDS)
    await _reap(intermediate, REPORT_TIMEOUT_SECONDS)
    log.warning("session process %s, forked without an answer from its zygote, %s", session,
                "was ended" if ended else "could not be collected")


class _ZygoteProcess:
    """One running zygote and its control socket."""

    def __init__(self, process: asyncio.subprocess.Process, control: socket.socket, fingerprint: Any) -> None:
        self.process = process
        self.control = control
        self.fingerprint = fingerprint
        self.lock = asyncio.Lock()
        self.requests = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    async def fork(self, request: Mapping[str, Any], fds: Sequence[int]) -> int:
        """Ask for one session; its pid. Requests are answered in order, one at a time.

        Under a heavy load a fork can wait long for the CPU: the session waits too rather
        than being spawned beside a fork that may still come. Past ``FORK_TIMEOUT_SECONDS``
        the zygote is killed (the caller then spawns), so no answer can arrive late.
        """
        loop = asyncio.get_running_loop()
        async with self.lock:
            self.requests += 1
            number = self.requests
            socket.send_fds(self.control, [json.dumps({**request, "id": number}).encode()], list(fds))
            try:
                reply = await asyncio.wait_for(loop.sock_recv(self.control, 4096), FORK_TIMEOUT_SECONDS)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                raise
        if not reply:
            raise ConnectionError("the zygote closed its socket")
        answer = json.loads(reply)
        if answer.get("id") != number:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            raise RuntimeError(f"answer {answer.get('id')} to request {number}")
        if "pid" not in answer:
            raise RuntimeError(str(answer.get("error", "no answer")))
        return int(answer["pid"])

    async def stop(self) -> None:
        self.control.close()  # the zygote leaves when its socket closes
        try:
            await asyncio.wait_for(self.process.wait(), 5.0)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


class SessionForker:
    """Keeps a warm zygote; forks session processes from it while it is ready."""

    def __init__(self, *, python: str, config: str, env: Mapping[str, str], entry: str = DEFAULT_ENTRY,
                 cwd: str | None = None) -> None:
        self.python = python
        self.config = config
        self.env = dict(env)
        self.entry = entry
        self.cwd = cwd
        self.current: _ZygoteProcess | None = None
        self.generation = 0  # zygotes started so far
        self._closing = False
        self._starting: asyncio.Task[None] | None = None
        self._watchers: set[asyncio.Task[None]] = set()
        self._failures = 0
        self.subreaper = become_subreaper()

    @property
    def pid(self) -> int | None:
        return self.current.pid if self.current else None

    async def start(self) -> bool:
        """Start the first zygote and wait until it is ready; False (logged) if it cannot."""
        if not self.subreaper:
            log.warning("session zygote unavailable (this system cannot adopt the forked sessions): "
                        "session processes are spawned")
            return False
        await self._start_new("start")
        return self.current is not None

    async def _launch(self) -> _ZygoteProcess:
        server_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        fingerprint = _fingerprint(self.config)
        try:
            env = {**self.env, CONTROL_FD_VARIABLE: str(zygote_end.fileno())}
            entry = [] if self.entry == DEFAULT_ENTRY else ["--entry", self.entry]
            process = await asyncio.create_subprocess_exec(
                self.python, "-m", ZYGOTE_MODULE, "--config", self.config, *entry,
                env=env, cwd=self.cwd, stdin=subprocess.DEVNULL, pass_fds=(zygote_end.fileno(),),
            )
        except BaseException:
            server_end.close()
            raise
        finally:
            zygote_end.close()
        server_end.setblocking(False)
        zygote = _ZygoteProcess(process, server_end, fingerprint)
        try:
            ready = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(server_end, 64),
                                           START_TIMEOUT_SECONDS)
        except BaseException:
            await zygote.stop()
            raise
        if ready != READY:
            await zygote.stop()
            raise RuntimeError(f"the zygote ended while starting (status {process.returncode})")
        return zygote

    async def _start_new(self, reason: str) -> None:
        started = time.monotonic()
        try:
            zygote = await self._launch()
        except Exception as error:  # noqa: BLE001 - any failure: sessions are spawned meanwhile
            self._failures += 1
            log.warning("session zygote unavailable (%s: %s): session processes are spawned until it starts",
                        reason, error)
            if not self._closing:
                self._schedule_restart()
            return
        if self._closing:
            await zygote.stop()
            return
        self._failures = 0
        previous, self.current = self.current, zygote
        self.generation += 1
        # The first start is part of the server's own start (its lines are documented).
        log.log(logging.DEBUG if reason == "start" else logging.INFO, "session zygote %s ready (%s, %.1f s)",
                zygote.pid, reason, time.monotonic() - started)
        watcher = asyncio.create_task(self._watch(zygote))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)
        if previous is not None:
            await previous.stop()

    def _schedule_restart(self) -> None:
        delay = RESTART_DELAYS[min(self._failures, len(RESTART_DELAYS)) - 1] if self._failures else 0.0

        async def later() -> None:
            await asyncio.sleep(delay)
            await self._start_new("restart")

        # Called from the start that failed, or from a watcher: this becomes the start in progress.
        self._starting = asyncio.create_task(later())

    def _begin(self, coroutine: Any) -> None:
        if self._starting is not None and not self._starting.done():
            coroutine.close()
            return
        self._starting = asyncio.create_task(coroutine)

    async def _watch(self, zygote: _ZygoteProcess) -> None:
        status = await zygote.process.wait()
        if self.current is zygote and not self._closing:
            self.current = None
            zygote.control.close()
            self._failures += 1
            log.warning("session zygote %s ended unexpectedly (status %s): starting a new one; "
                        "live sessions are not affected", zygote.pid, status)
            self._schedule_restart()

    def replace(self, reason: str) -> None:
        """Start a new zygote (plugins or configuration changed); the old one leaves once it is ready."""
        if self.subreaper and not self._closing:
            log.info("session zygote replaced: %s", reason)
            self._begin(self._start_new(reason))

    async def wait_ready(self) -> None:
        """Wait for a start or replacement in progress (tests, benchmarks)."""
        if self._starting is not None and not self._starting.done():
            await asyncio.shield(self._starting)

    async def fork(self, env: Mapping[str, str], cwd: str | None, fds: Sequence[int]) -> ForkedProcess | None:
        """A session process on ``fds`` (pty slave, launch read end, status write end).

        None when no zygote was asked (spawn the session on the same descriptors). Raises
        :class:`SessionNotForked` when the zygote was asked but did not answer with a pid:
        any session it forked meanwhile has been ended, but it may have used the descriptors,
        so the caller starts the session afresh on new ones.
        """
        zygote = self.current
        if zygote is None:
            return None
        if zygote.fingerprint != _fingerprint(self.config):
            self.current = None
            self.replace("configuration or installed plugins changed")
            self._spawn_stop(zygote)
            return None
        report_read, report_write = os.pipe()
        try:
            try:
                pid = await zygote.fork({"env": dict(env), "cwd": cwd or ""}, [*fds, report_write])
            finally:
                os.close(report_write)
        except Exception as error:  # any failure: this session is spawned afresh
            log.warning("session zygote %s could not fork (%s): this session is spawned", zygote.pid, error)
            if self.current is zygote:
                self.current = None
                self._failures += 1
                self.replace("it could not fork")
            await zygote.stop()  # its unreaped intermediate, if any, becomes this server's
            await _end_unanswered(report_read)
            raise SessionNotForked(str(error)) from error
        finally:
            os.close(report_read)
        return ForkedProcess(pid)

    def _spawn_stop(self, zygote: _ZygoteProcess) -> None:
        task = asyncio.create_task(zygote.stop())
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)

    async def close(self) -> None:
        self._closing = True
        if self._starting is not None:
            self._starting.cancel()
            with contextlib.suppress(BaseException):
                await self._starting
        if self.current is not None:
            await self.current.stop()
            self.current = None
        for task in list(self._watchers):
            task.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
