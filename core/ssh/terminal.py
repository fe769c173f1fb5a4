"""One SSH session's terminal UI: a child process on its own pseudo-terminal.

The child is a new session (``setsid``) whose controlling terminal is the pty slave (it
takes it itself at start, see :mod:`immo_connect.ssh.child`), so a window size set on the
master reaches it as SIGWINCH, and a hang-up ends it. Everything the child needs that is
secret (the sign-in token, the database URL) arrives through an inherited pipe, never on
the command line or in the environment. A second pipe carries the child's status lines
(signed in, signed out) back to the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import json
import os
import signal
import struct
import termios
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from immo_connect.ssh.prefork import SessionNotForked

if TYPE_CHECKING:
    from immo_connect.ssh.prefork import SessionForker


class ChildProcess(Protocol):
    """A spawned (asyncio) or forked (:class:`~immo_connect.ssh.prefork.ForkedProcess`) session process."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...

# What ends a session, in order, with this long to react to each.
TERMINATION_SIGNALS = (signal.SIGHUP, signal.SIGTERM, signal.SIGKILL)
TERMINATION_GRACE_SECONDS = 2.0
READ_SIZE = 65536
# Sequences that undo what a full-screen app switched on, sent when the server ends a
# session whose client is still there (timeouts, limits): alternate screen, cursor,
# mouse reporting, bracketed paste, focus events, the kitty keyboard protocol.
TERMINAL_RESET = (
    b"\x1b[<u\x1b[?1004l\x1b[?2004l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l"
    b"\x1b[0m\x1b[?25h\x1b[?1049l"
)


def set_window_size(fd: int, columns: int, rows: int, xpixels: int = 0, ypixels: int = 0) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, xpixels, ypixels))


def _wait_fd(fd: int, *, write: bool) -> asyncio.Future[None]:
    """A future done when ``fd`` is readable (or writable); cancelling it stops watching."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()
    add, remove = (loop.add_writer, loop.remove_writer) if write else (loop.add_reader, loop.remove_reader)
    add(fd, lambda: None if future.done() else future.set_result(None))
    future.add_done_callback(lambda _: remove(fd))
    return future


class SessionProcess:
    """A running session process and the master side of its pseudo-terminal."""

    def __init__(self, process: ChildProcess, master: int, status: int) -> None:
        self.process = process
        self.pid = process.pid
        self._master = master
        self._status = status
        self._status_buffer = b""
        self._closed = False

    @classmethod
    async def spawn(
        cls,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        size: tuple[int, int, int, int],
        launch: Mapping[str, Any],
        cwd: str | None = None,
        forker: SessionForker | None = None,
    ) -> SessionProcess:
        """Start ``argv`` on a new pty of ``size`` (columns, rows, xpixels, ypixels).

        ``launch`` is handed to the child as JSON on an inherited pipe whose number is in
        ``IMMO_CONNECT_SSH_LAUNCH_FD``; the child writes status lines to the pipe in
        ``IMMO_CONNECT_SSH_STATUS_FD``. With a ready ``forker`` the process is a fork of the
        warm zygote given the same pty, pipes and environment; otherwise ``argv`` is spawned.
        """
        master, slave = os.openpty()
        launch_read, launch_write = os.pipe()
        status_read, status_write = os.pipe()
        try:
            set_window_size(slave, *size)
            payload = json.dumps(dict(launch)).encode()
            if len(payload) > 60_000:  # must fit in the pipe buffer: written before the child reads
                raise ValueError("launch document too large")
            os.write(launch_write, payload)
            os.close(launch_write)
            launch_write = -1
            process: ChildProcess | None = None
            if forker is not None:
                try:
                    process = await forker.fork(env, cwd, (slave, launch_read, status_write))
                except SessionNotForked:  # a fork that may have used these descriptors: new ones
                    os.close(master)
                    os.close(status_read)
                    master = status_read = -1
                    return await cls.spawn(argv, env=env, size=size, launch=launch, cwd=cwd)
            if process is None:
                child_env = dict(env)
                child_env["IMMO_CONNECT_SSH_LAUNCH_FD"] = str(launch_read)
                child_env["IMMO_CONNECT_SSH_STATUS_FD"] = str(status_write)
                process = await asyncio.create_subprocess_exec(
                    *argv, stdin=slave, stdout=slave, stderr=slave, env=child_env, cwd=cwd,
                    start_new_session=True, pass_fds=(launch_read, status_write), close_fds=True,
                )
        except BaseException:
            for fd in (master, status_read):
                if fd >= 0:
                    os.close(fd)
            raise
        finally:
            for fd in (slave, launch_read, status_write, launch_write):
                if fd >= 0:
                    os.close(fd)
        os.set_blocking(master, False)
        os.set_blocking(status_read, False)
        return cls(process, master, status_read)

    # -- terminal I/O ---------------------------------------------------------------------------

    async def read(self) -> bytes:
        """The next output of the app; ``b""`` once the pty is hung up (the app is gone)."""
        while not self._closed:
            try:
                return os.read(self._master, READ_SIZE)
            except BlockingIOError:
                await _wait_fd(self._master, write=False)
            except OSError as error:
                if error.errno == errno.EIO:  # every slave descriptor is closed
                    return b""
                raise
        return b""

    async def write(self, data: bytes) -> None:
        """Send keyboard input to the app, waiting while its input queue is full."""
        view = memoryview(data)
        while view and not self._closed:
            try:
                written = os.write(self._master, view)
            except BlockingIOError:
                await _wait_fd(self._master, write=True)
                continue
            except OSError as error:
                if error.errno == errno.EIO:
                    return
                raise
            view = view[written:]

    def resize(self, columns: int, rows: int, xpixels: int = 0, ypixels: int = 0) -> None:
        """Set the window size; the kernel sends SIGWINCH to the app."""
        if not self._closed and columns > 0 and rows > 0:
            set_window_size(self._master, columns, rows, xpixels, ypixels)

    async def status_lines(self) -> list[dict[str, Any]]:
        """Wait for the child's next status lines; an empty list once the pipe is closed."""
        while not self._closed:
            try:
                chunk = os.read(self._status, 4096)
            except BlockingIOError:
                await _wait_fd(self._status, write=False)
                continue
            if not chunk:
                return []
            self._status_buffer += chunk
            *lines, self._status_buffer = self._status_buffer.split(b"\n")
            events: list[dict[str, Any]] = []
            for line in lines:
                with contextlib.suppress(ValueError):
                    event = json.loads(line)
                    if isinstance(event, dict):
                        events.append(event)
            if events:
                return events
        return []

    # -- life cycle -----------------------------------------------------------------------------

    async def wait(self) -> int:
        return await self.process.wait()

    def _signal_group(self, signum: int) -> bool:
        try:
            os.killpg(self.pid, signum)
        except ProcessLookupError:
            return False
        except PermissionError:  # the group id was reused by someone else's process
            return False
        return True

    async def terminate(self, grace: float = TERMINATION_GRACE_SECONDS) -> int:
        """End the whole process group: SIGHUP, then SIGTERM, then SIGKILL."""
        for signum in TERMINATION_SIGNALS:
            if self.process.returncode is not None:
                break
            self._signal_group(signum)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.process.wait()), grace)
        # The leader is gone; anything it started in its group goes too.
        self._signal_group(signal.SIGKILL)
        return await self.process.wait()

    def close(self) -> None:
        """Release the descriptors (after the process has ended)."""
        if not self._closed:
            self._closed = True
            for fd in (self._master, self._status):
                asyncio.get_running_loop().remove_reader(fd)
                asyncio.get_running_loop().remove_writer(fd)
                with contextlib.suppress(OSError):
                    os.close(fd)
