"""Running ``immo-connect serve`` in tests, and reading what a session shows.

The server is a real subprocess on 127.0.0.1 with a free port; clients are asyncssh or the
OpenSSH client in tmux. The screen is read from the pty output stream: escape sequences
are removed, so texts Textual writes in one run can be searched for.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import asyncssh
import pytest

ROOT = Path(__file__).resolve().parents[2]
IMMO_CONNECT = [sys.executable, "-m", "immo_connect"]
CHILD_MARK = "immo_connect.ssh.child"
ZYGOTE_MARK = "immo_connect.ssh.zygote"
_ESCAPE = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[PX^_\]].*?(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f]")

TEST_SSH_CONFIG = """
[mail]
transport = "maildir"

[ssh]
max_sessions = {max_sessions}
max_sessions_per_account = {max_per_account}
max_anonymous_sessions = {max_anonymous}
max_anonymous_per_address = {max_anonymous_per_address}
sign_in_timeout_seconds = {sign_in_timeout}
account_check_seconds = {account_check}
idle_timeout_minutes = {idle_minutes}
failures_per_source = {failures}
connections_per_minute = {connections}
login_screen = {login_screen}
prefork = {prefork}
"""


def ssh_config(*, max_sessions: int = 10, max_per_account: int = 3, max_anonymous: int = 10,
               max_anonymous_per_address: int = 10, sign_in_timeout: float = 120.0, account_check: float = 5.0,
               idle_minutes: float = 30.0, failures: int = 10, connections: int = 60,
               login_screen: bool = True, prefork: bool = True) -> str:
    return TEST_SSH_CONFIG.format(
        max_sessions=max_sessions, max_per_account=max_per_account, max_anonymous=max_anonymous,
        max_anonymous_per_address=max_anonymous_per_address, sign_in_timeout=sign_in_timeout,
        account_check=account_check, idle_minutes=idle_minutes, failures=failures, connections=connections,
        login_screen="true" if login_screen else "false", prefork="true" if prefork else "false",
    )


class ServerProcess:
    """``immo-connect serve --listen 127.0.0.1:0`` in the background."""

    def __init__(self, config: Path, data_dir: Path, database_url: str, extra_env: Mapping[str, str] | None = None) -> None:
        self.config, self.data_dir, self.database_url = config, data_dir, database_url
        self.extra_env = dict(extra_env or {})
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.fingerprint = ""
        self.output: list[str] = []

    def start(self, timeout: float = 30.0) -> ServerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
        env.update(IMMO_CONNECT_DATA_DIR=str(self.data_dir), **self.extra_env)
        self.process = subprocess.Popen(
            [*IMMO_CONNECT, "--config", str(self.config), "--database-url", self.database_url,
             "--lang", "en", "serve", "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT,
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("server exited:\n" + "".join(self.output))
            self.output.append(line)
            if line.startswith("Host key fingerprint: "):
                self.fingerprint = line.split()[3]
            if line.startswith("Listening on "):
                self.port = int(line.strip().rsplit(":", 1)[1])
                # The server logs to this pipe too (stderr is not a terminal): keep reading it,
                # so a full pipe never blocks the server.
                threading.Thread(target=self._drain, daemon=True).start()
                return self
        raise RuntimeError("server did not start:\n" + "".join(self.output))

    def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state, ppid, pgrp, session, …)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def session_pids() -> set[int]:
    """Every running session process on this machine.

    Spawned (``python -m immo_connect.ssh.child``) or forked from a zygote (its command line,
    but a session leader, which the zygote never is).
    """
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            stat = _stat(entry)
        except OSError:
            continue
        if stat[0] == "Z":
            continue
        if CHILD_MARK.encode() in cmdline or (ZYGOTE_MARK.encode() in cmdline and int(stat[3]) == int(entry)):
            found.add(int(entry))
    return found


def zygote_pids(server_pid: int) -> set[int]:
    """The running session zygotes of the server ``server_pid``."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            stat = _stat(entry)
        except OSError:
            continue
        if ZYGOTE_MARK.encode() in cmdline and stat[0] != "Z" and int(stat[1]) == server_pid \
                and int(stat[3]) != int(entry):
            found.add(int(entry))
    return found


def children_of(pid: int) -> set[int]:
    """Session processes started by the server ``pid``."""
    result = set()
    for child in session_pids():
        try:
            ppid = int(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if ppid == pid:
            result.add(child)
    return result


async def wait_until_gone(pids: set[int], timeout: float = 10.0) -> set[int]:
    """The pids still alive after ``timeout`` (empty when all ended)."""
    deadline = time.monotonic() + timeout
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        alive = {pid for pid in alive if pid in session_pids()}
        await asyncio.sleep(0.05)
    return alive


def plain(data: bytes) -> str:
    """Terminal output without escape sequences (texts painted in one run stay whole)."""
    return _ESCAPE.sub(b"", data).decode("utf-8", "replace")


class Screen:
    """Collects a session's output; ``wait_for`` a text to appear in it."""

    def __init__(self, process: asyncssh.SSHClientProcess[bytes]) -> None:
        self.process = process
        self.data = b""
        self.closed = False
        self._task = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        try:
            while chunk := await self.process.stdout.read(65536):
                self.data += chunk
        except (asyncssh.Error, ConnectionError):
            pass
        self.closed = True

    def text(self, since: int = 0) -> str:
        return plain(self.data[since:])

    def mark(self) -> int:
        return len(self.data)

    async def wait_for(self, *texts: str, since: int = 0, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            current = self.text(since)
            if all(text in current for text in texts):
                return current
            if self.closed:
                break
            await asyncio.sleep(0.05)
        words = [line.strip() for line in self.text(since).splitlines() if re.search(r"[A-Za-z]{3}", line)]
        raise AssertionError(f"not on screen: {texts!r}\n--- texts on screen ---\n" + "\n".join(words[-40:]))

    async def wait_raw(self, pattern: bytes, *, since: int = 0, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pattern in self.data[since:]:
                return
            if self.closed:
                break
            await asyncio.sleep(0.05)
        raise AssertionError(f"not in the output stream: {pattern!r}")

    async def wait_closed(self, timeout: float = 20.0) -> None:
        await asyncio.wait_for(asyncio.shield(self._task), timeout)


class LoginScreenClient(asyncssh.SSHClient):
    """A client without keys: keyboard-interactive with no questions leads to the sign-in screen."""

    def kbdint_auth_requested(self) -> str:
        return ""

    def kbdint_challenge_received(self, name: str, instructions: str, lang: str, prompts: object) -> list[str]:
        return []


async def connect(port: int, *, key: asyncssh.SSHKey | None = None, username: str = "immo", source: str = "",
                  **options: object) -> asyncssh.SSHClientConnection:
    """An asyncssh connection to the test server (host key not checked; see the host key test).

    ``source`` is the client's own address: any of 127.0.0.0/8 on Linux, which routes all of
    it to the loopback interface, so one machine can play several client addresses.
    """
    if source:
        options["local_addr"] = (source, 0)
    return await asyncssh.connect(
        "127.0.0.1", port, username=username, known_hosts=None, agent_path=None,
        client_keys=[key] if key is not None else None,
        client_factory=None if key is not None else LoginScreenClient,
        preferred_auth="publickey" if key is not None else "keyboard-interactive",
        **options,  # type: ignore[arg-type]
    )


async def open_terminal(conn: asyncssh.SSHClientConnection, size: tuple[int, int] = (100, 30), **options: object) -> tuple[asyncssh.SSHClientProcess[bytes], Screen]:
    process = await conn.create_process(term_type="xterm-256color", term_size=size, encoding=None, **options)  # type: ignore[arg-type]
    return process, Screen(process)


def start_server(platform: object, config_text: str, **env: str) -> ServerProcess:
    """A server on the database and data directory of a test ``platform`` (see conftest)."""
    settings = platform.settings  # type: ignore[attr-defined]
    config = Path(settings.data_dir).parent / "ssh-server.toml"
    config.write_text(config_text)
    return ServerProcess(config, Path(settings.data_dir), settings.database_url, env).start()


# -- fixtures shared by the SSH server tests (imported into each test module) ----------------


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    """Every server a test starts, stopped at the end of the test."""
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def serve(platform: Any, servers: list[ServerProcess]) -> Callable[..., ServerProcess]:
    """Starts a real SSH server on the test's platform with the given [ssh] settings."""
    def start(**config: object) -> ServerProcess:
        server = start_server(platform, ssh_config(**config))  # type: ignore[arg-type]
        servers.append(server)
        return server

    return start
