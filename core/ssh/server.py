"""The embedded SSH server: authentication, limits and audit around one process per session.

Shape (see docs/deployment.md): asyncssh accepts the connection and
:class:`~immo_connect.ssh.connection.Connection` authenticates it (a registered public key
names the account; without one, keyboard-interactive with no question lets the client
through to the terminal UI's own sign-in screen). Each session
then runs :mod:`immo_connect.ssh.child` in its own process on its own pty
(:class:`~immo_connect.ssh.terminal.SessionProcess`) and this module only pumps bytes,
forwards window sizes and enforces the limits and timeouts. Database work runs in a small
thread pool so a slow query never stalls the other sessions.

Admission (see docs/security.md, "SSH admission"): a session still on the sign-in screen is
anonymous; anonymous sessions have their own limits (in total and per address) and a time
limit, so they cannot take the places of signed-in users. Only a credential that was
presented and refused counts as a failed sign-in, never a connection that merely opened
and closed (a health check, a port scan). Every few seconds the server asks the database
whether an account behind one of its sessions was blocked or deleted, and closes those.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import functools
import logging
import os
import socket
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import asyncssh

from immo_connect import audit
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _
from immo_connect.platform import Platform
from immo_connect.ssh import identity
from immo_connect.ssh.child import EXIT_SIGN_IN_FAILURES
from immo_connect.ssh.connection import Connection
from immo_connect.ssh.environment import child_environment
from immo_connect.ssh.prefork import SessionForker
from immo_connect.ssh.sessions import HEARTBEAT_SECONDS, SessionLimitReached, SessionLimits
from immo_connect.ssh.terminal import TERMINAL_RESET, SessionProcess
from immo_connect.ssh.watch import closing_notice
from immo_connect.storage import transaction

log = logging.getLogger("immo_connect.ssh")
T = TypeVar("T")

CHILD_MODULE = "immo_connect.ssh.child"
# Ends after which the whole SSH connection is closed, not only the session's channel: the
# client could otherwise open a new session on the same connection, past the rate limit.
# How long a session's helper tasks (pumps, status reader) get to end once cancelled.
TASKS_END_SECONDS = 5.0
CLOSE_CONNECTION_REASONS = frozenset({"sign_in_timeout", "sign_in_failures", "account_blocked", "account_deleted"})


class SshServer:
    """One listening SSH server; several may run against one database."""

    def __init__(self, platform: Platform, host_key: asyncssh.SSHKey, *, python: str = sys.executable) -> None:
        self.platform = platform
        self.config = platform.settings.ssh
        self.limits = SessionLimits.from_settings(self.config)
        self.host_key = host_key
        self.python = python
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="immo-ssh-db")
        self._recent_connections: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self.sessions: dict[int, _Session] = {}  # admitted sessions, by register row
        self._live: set[_Session] = set()  # every session being served, admitted or not yet
        self.closing = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._heartbeat: asyncio.Task[None] | None = None
        self._account_check: asyncio.Task[None] | None = None
        self.forker: SessionForker | None = None

    # -- running ------------------------------------------------------------------------------

    async def start(self, host: str, port: int) -> None:
        config = self.config
        self._acceptor = await asyncssh.create_server(
            lambda: Connection(self), host, port,
            server_host_keys=[self.host_key],
            process_factory=self._handle_process,
            encoding=None, line_editor=False,  # bytes both ways; the app edits its own lines
            allow_pty=True, x11_forwarding=False, agent_forwarding=False, allow_scp=False,
            sftp_factory=self._sftp_server, password_auth=False, kbdint_auth=config.login_screen,
            public_key_auth=True, login_timeout=config.login_timeout_seconds,
            keepalive_interval=config.keepalive_seconds, keepalive_count_max=3,
            server_version="ImmoConnect",
        )
        self._heartbeat = asyncio.create_task(self._heartbeat_loop())
        self._account_check = asyncio.create_task(self._account_check_loop())
        if config.prefork:
            await self.start_zygote()

    async def start_zygote(self) -> None:
        """Start the warm parent of the session processes (sessions are spawned without it)."""
        settings = self.platform.settings
        data_dir = str(settings.data_dir)
        self.forker = SessionForker(
            python=self.python, config=str(settings.config_path or ""), cwd=data_dir,
            env=child_environment(None, {}, self.config, data_dir=data_dir),
        )
        await self.forker.start()

    def reload(self) -> None:
        """SIGHUP: new session processes start from a freshly loaded zygote; live ones go on."""
        if self.forker is not None:
            self.forker.replace("reload requested (SIGHUP)")

    @property
    def port(self) -> int:
        assert self._acceptor is not None
        return int(self._acceptor.sockets[0].getsockname()[1])

    async def wait_closed(self) -> None:
        assert self._acceptor is not None
        await self._acceptor.wait_closed()

    async def close(self) -> None:
        """Stop accepting, end every session here, and close their register rows.

        Every session is waited for, including those still being admitted when the server
        was asked to stop (they end before their process starts), so that no session
        process outlives the server.
        """
        self.closing = True
        if self._acceptor is not None:
            self._acceptor.close()
        for task in (self._heartbeat, self._account_check):
            if task is not None:
                task.cancel()
        while self._live:
            await asyncio.gather(*(s.end("server_stopped") for s in list(self._live)), return_exceptions=True)
        if self._acceptor is not None:
            await self._acceptor.wait_closed()
        if self.forker is not None:
            await self.forker.close()
        await self.db(self.platform.ssh_sessions.close_server, self.name, "server_stopped")
        await asyncio.gather(*list(self._tasks), return_exceptions=True)  # the last audit lines
        self._pool.shutdown(wait=True)

    def spawn(self, coroutine: Any) -> None:
        """Run a background coroutine, keeping a reference so it is not collected early."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def db(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a database function in the pool (never on the event loop)."""
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, functools.partial(function, *args, **kwargs)
        )

    def audit(self, action: str, **fields: Any) -> None:
        """Write one audit event from the pool, in its own transaction, without waiting."""

        def write() -> None:
            with transaction():
                audit.record(action, at=self.platform.clock.now(), **fields)

        self.spawn(self.db(write))

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await self.db(self.platform.ssh_sessions.heartbeat, list(self.sessions))
            except Exception:  # a database hiccup must not stop the server
                log.exception("session heartbeat failed")

    async def _account_check_loop(self) -> None:
        """Close the sessions of accounts blocked or deleted since (by any server or the CLI)."""
        while True:
            await asyncio.sleep(self.config.account_check_seconds)
            accounts = {s.watched_account for s in self.sessions.values() if s.watched_account is not None}
            if not accounts:
                continue
            try:
                closed = await self.db(self.platform.ssh_sessions.closed_accounts, accounts)
            except Exception:  # a database hiccup must not stop the server
                log.exception("account check failed")
                continue
            for session in list(self.sessions.values()):
                if session.watched_account in closed:
                    session.stop("account_" + closed[session.watched_account])

    # -- admission ----------------------------------------------------------------------------

    def connection_allowed(self, address: str) -> bool:
        """At most ``connections_per_minute`` new connections per source address."""
        now = time.monotonic()
        recent = self._recent_connections[address]
        while recent and recent[0] < now - 60:
            recent.popleft()
        if len(recent) >= self.config.connections_per_minute:
            return False
        recent.append(now)
        if len(self._recent_connections) > 10_000:  # forget idle addresses
            for key in [k for k, v in self._recent_connections.items() if not v]:
                del self._recent_connections[key]
        return True

    async def too_many_failures(self, source: str) -> bool:
        window = dt.timedelta(minutes=self.config.failure_window_minutes)
        failures = await self.db(self.platform.ssh_sessions.recent_failures, source, window)
        return failures >= self.config.failures_per_source

    def _sftp_server(self, chan: asyncssh.SSHServerChannel[bytes]) -> asyncssh.SFTPServer:
        """SFTP in the upload folder of the account a registered key named (docs/accounts.md)."""
        from immo_connect.ssh.uploads import UploadSftpServer
        from immo_connect.uploads import upload_folder

        connection: Connection = chan.get_connection().get_owner()  # type: ignore[assignment]
        who = connection.identity
        if who is None or self.closing:
            self.audit("ssh.sftp.open", actor="anonymous", outcome="refused", source=connection.source,
                       detail={"reason": "no_key" if who is None else "server_stopping"})
            return UploadSftpServer(chan, None)
        self.audit("ssh.sftp.open", actor_id=who.account_id, actor=who.username, source=connection.source,
                   target=who.fingerprint)
        return UploadSftpServer(chan, upload_folder(self.platform.settings, who.account_id))

    # -- sessions -----------------------------------------------------------------------------

    async def _handle_process(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        connection: Connection = process.channel.get_connection().get_owner()  # type: ignore[assignment]
        if self.closing:  # a new channel on a connection opened before the server began to stop
            process.exit(1)
            return
        session = _Session(self, connection, process)
        self._live.add(session)
        try:
            await session.run()
        except Exception:  # one session's failure never reaches the others
            log.exception("ssh session from %s failed", connection.source)
            session.stop("error")
            if session.child is not None:  # never left running without its server side
                with contextlib.suppress(Exception):
                    await session.child.terminate()
                    session.child.close()
        finally:
            self._live.discard(session)
            session.finished.set()


class _Session:
    """One SSH session: admission, the session process, the byte pumps and the timers."""

    def __init__(self, server: SshServer, connection: Connection, process: asyncssh.SSHServerProcess[bytes]) -> None:
        self.server = server
        self.connection = connection
        self.ssh = process
        self.child: SessionProcess | None = None
        self.row_id: int | None = None
        self.last_input = time.monotonic()
        # Who is signed in (None: the sign-in screen), and since when nobody is.
        self.account_id: int | None = connection.identity.account_id if connection.identity else None
        # Who signed in last, still watched after a sign-out: the person at this terminal.
        self.watched_account = self.account_id
        self.anonymous_since = time.monotonic()
        self.deadline = float("inf")  # the session's maximum length, from its start
        self._timer: asyncio.TimerHandle | None = None
        self.reason = ""
        self._ending: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.finished = asyncio.Event()  # set once the session is over and its process collected

    def _message(self, text: str) -> None:
        with contextlib.suppress(Exception):
            self.ssh.stdout.write(TERMINAL_RESET + ("\r\n" + text + "\r\n").encode())

    def stop(self, reason: str) -> None:
        """End the session (from its own tasks or the server); :meth:`_finish` does the rest."""
        if not self._ending.done():
            self._ending.set_result(reason)

    def _set_account(self, account_id: int | None) -> None:
        if account_id is None and self.account_id is not None:
            self.anonymous_since = time.monotonic()  # back on the sign-in screen: its time limit again
        self.account_id = account_id
        if account_id is not None:
            self.watched_account = account_id
        self._check_time()  # the deadlines changed

    async def run(self) -> None:
        server, connection = self.server, self.connection
        term = self.ssh.get_terminal_type()
        if term is None or self.ssh.subsystem:
            server.audit("ssh.session.open", actor="anonymous", outcome="refused",
                         source=connection.source, detail={"reason": "no_terminal"})
            self.ssh.stderr.write((_("This service needs a terminal: connect with ssh -t.") + "\r\n").encode())
            self.ssh.exit(1)
            return
        who = connection.identity
        try:
            self.row_id = await server.db(
                server.platform.ssh_sessions.open, server=server.name, source=connection.source,
                account_id=who.account_id if who else None, fingerprint=who.fingerprint if who else "",
                limits=server.limits,
            )
        except SessionLimitReached as error:
            self._message(str(error))
            self.ssh.exit(1)
            return
        server.sessions[self.row_id] = self
        try:
            await self._serve(term)
        finally:
            server.sessions.pop(self.row_id, None)

    async def _serve(self, term: str) -> None:
        server, connection = self.server, self.connection
        who = connection.identity
        launch: dict[str, Any] = {
            "source": connection.source,
            "session_id": self.row_id,
            "config": str(server.platform.settings.config_path or ""),
            "database_url": server.platform.settings.database_url,
            "data_dir": str(server.platform.settings.data_dir),
        }
        if who is not None:
            try:
                launch["sign_in"] = await server.db(
                    identity.issue_sign_in, server.platform, who.account_id, source=connection.source,
                    fingerprint=who.fingerprint,
                )
            except ImmoConnectError as error:  # the account was blocked since the key was checked
                self._message(str(error))
                await server.db(server.platform.ssh_sessions.close, self.row_id, "refused")
                self.ssh.exit(1)
                self._close_connection()
                return
        if self._ending.done():  # the server began to stop while this session was admitted
            await server.db(server.platform.ssh_sessions.close, self.row_id, "server_stopped")
            self._message(_("The server is stopping; connect again in a moment."))
            self.ssh.exit(1)
            return
        columns, rows, xpixels, ypixels = self.ssh.get_terminal_size()
        env = child_environment(term, self.ssh.env, server.config, data_dir=str(server.platform.settings.data_dir))
        self.child = await SessionProcess.spawn(
            [server.python, "-m", CHILD_MODULE], env=env, launch=launch,
            size=(columns or 80, rows or 24, xpixels, ypixels), cwd=str(server.platform.settings.data_dir),
            forker=server.forker,
        )
        self.deadline = time.monotonic() + server.config.session_timeout_hours * 3600.0
        tasks = [
            asyncio.create_task(self._pump_output()),
            asyncio.create_task(self._pump_input()),
            asyncio.create_task(self._watch_status()),
        ]
        self._check_time()
        try:
            reason = await self._ending
        finally:
            if self._timer is not None:
                self._timer.cancel()
            for task in tasks:
                task.cancel()
        # A task that ignored its cancellation must not keep the session (and a stopping
        # server) waiting: the session process is ended whatever its helpers do.
        _done, pending = await asyncio.wait(tasks, timeout=TASKS_END_SECONDS)
        if pending:
            log.warning("ssh session %s: tasks still running after cancelling: %d", self.row_id, len(pending))
        await self._finish(reason)

    async def _finish(self, reason: str) -> None:
        child = self.child
        assert child is not None
        if reason == "exited":
            # The app quit by itself: deliver what it wrote last, then report its status.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._drain(), 2.0)
        returncode = await child.terminate()
        child.close()
        if reason == "exited" and returncode == EXIT_SIGN_IN_FAILURES:
            reason = "sign_in_failures"
        self.reason = reason
        notices = {
            "idle_timeout": _("Session closed after {minutes} minutes without activity.").format(
                minutes=f"{self.server.config.idle_timeout_minutes:g}"),
            "session_timeout": _("Session closed: it reached its maximum length of {hours} hours.").format(
                hours=f"{self.server.config.session_timeout_hours:g}"),
            "sign_in_failures": _("Too many failed sign-ins: connection closed."),
            "server_stopped": _("The server is stopping; connect again in a moment."),
        }
        notice = closing_notice(reason, self.server.config) or notices.get(reason)
        if notice or reason.startswith("limit:"):
            self._message(notice or reason.partition(":")[2])
        if self.row_id is not None:
            await self.server.db(self.server.platform.ssh_sessions.close, self.row_id, reason.partition(":")[0])
        with contextlib.suppress(Exception):
            self.ssh.exit(0 if reason == "exited" and returncode == 0 else 1)
        if reason in CLOSE_CONNECTION_REASONS:
            self._close_connection()

    def _close_connection(self) -> None:
        """Close the whole SSH connection once the session's last words had a moment to leave."""
        conn = self.connection.conn
        if conn is not None:
            asyncio.get_running_loop().call_later(0.5, conn.close)

    async def end(self, reason: str) -> None:
        """End the session from outside (server stopping); wait until it is over."""
        self.stop(reason)
        await self.finished.wait()

    async def _drain(self) -> None:
        """Copy the app's output to the client until the pty hangs up."""
        assert self.child is not None
        while data := await self.child.read():
            self.ssh.stdout.write(data)
            await self.ssh.stdout.drain()  # a slow client slows the app, not our memory

    async def _pump_output(self) -> None:
        assert self.child is not None
        try:
            await self._drain()
        except (asyncssh.Error, BrokenPipeError, ConnectionError):
            self.stop("disconnected")
            return
        await self.child.wait()
        self.stop("exited")

    async def _pump_input(self) -> None:
        assert self.child is not None
        while True:
            try:
                data = await self.ssh.stdin.read(65536)
            except asyncssh.TerminalSizeChanged as change:
                self.child.resize(change.width, change.height, change.pixwidth, change.pixheight)
                continue
            except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue
            except (asyncssh.Error, ConnectionError):
                break
            if not data:
                break  # EOF: the client closed the channel or went away
            self.last_input = time.monotonic()
            await self.child.write(data)
        self.stop("disconnected")

    async def _watch_status(self) -> None:
        assert self.child is not None and self.row_id is not None
        registry = self.server.platform.ssh_sessions
        while events := await self.child.status_lines():
            for event in events:
                if event.get("event") == "signed_in" and isinstance(event.get("account_id"), int):
                    try:
                        await self.server.db(registry.signed_in, self.row_id, event["account_id"],
                                             limits=self.server.limits)
                    except SessionLimitReached as error:
                        self.stop("limit:" + str(error))
                    else:
                        self._set_account(event["account_id"])
                elif event.get("event") == "signed_out":
                    await self.server.db(registry.signed_out, self.row_id)
                    self._set_account(None)

    def _check_time(self) -> None:
        """End the session at its first deadline passed, or check again at the next one.

        A loop timer, not a task waiting for an event with ``asyncio.wait_for``: on Python
        3.11, a ``wait_for`` whose event is set in the same loop step as its task is
        cancelled returns normally and drops the cancellation, which left such a session
        (and a server stopping) waiting for the idle timeout.
        """
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._ending.done() or self.deadline == float("inf"):
            return  # over, or its process not started yet (the clock starts with it)
        config = self.server.config
        now = time.monotonic()
        # Key presses do not extend the time on the sign-in screen: only signing in does.
        sign_in_deadline = (self.anonymous_since + config.sign_in_timeout_seconds if self.account_id is None
                            else self.deadline)
        idle_deadline = self.last_input + config.idle_timeout_minutes * 60.0
        if now >= self.deadline:
            self.stop("session_timeout")
        elif now >= sign_in_deadline:
            self.stop("sign_in_timeout")
        elif now >= idle_deadline:
            self.stop("idle_timeout")
        else:
            wait = max(0.05, min(self.deadline, sign_in_deadline, idle_deadline) - now)
            self._timer = asyncio.get_running_loop().call_later(wait, self._check_time)
