"""Serving over SSH: time to the first screen and memory per session.

1. Connect-to-first-screen: an asyncssh client connects to ``immo-connect serve`` on
   loopback (no key: the sign-in screen) and waits until the sign-in title is in its pty
   output; the baseline is a local start of the same UI (``immo-connect run``) on a pty of
   the same size, timed from spawning to the same text. Interleaved rounds, medians.
2. Memory: 20 concurrent sessions, each painted; the mean resident memory (VmRSS) of a
   session process against the resident memory of the local UI process at the same point.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncssh
from _common import report

TITLE = "Se connecter à Immo-Connect"
SESSIONS = 20
ROUNDS = 7
_ESCAPE = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[PX^_\]].*?(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def plain(data: bytes) -> str:
    return _ESCAPE.sub(b"", data).decode("utf-8", "replace")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def local_start(env: dict[str, str]) -> tuple[float, int]:
    """Seconds from spawning ``immo-connect run`` on a pty to the sign-in title; its RSS then."""
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "immo_connect", "run", "--no-demo"], stdin=slave,
                               stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    data = b""
    try:
        while TITLE not in plain(data):
            chunk = os.read(master, 65536)
            if not chunk:
                raise RuntimeError("the UI ended early")
            data += chunk
        elapsed = time.perf_counter() - start
        time.sleep(0.3)  # let it settle before reading its memory, as for the sessions
        return elapsed, rss_kib(process.pid)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(master)


class LoginScreenClient(asyncssh.SSHClient):
    def kbdint_auth_requested(self) -> str:
        return ""

    def kbdint_challenge_received(self, *args: object) -> list[str]:
        return []


async def open_session(port: int) -> tuple[float, asyncssh.SSHClientConnection]:
    start = time.perf_counter()
    conn = await asyncssh.connect("127.0.0.1", port, username="bench", known_hosts=None, agent_path=None,
                                  client_keys=None, client_factory=LoginScreenClient,
                                  preferred_auth="keyboard-interactive")
    process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30), encoding=None)
    data = b""
    while TITLE not in plain(data):
        chunk = await process.stdout.read(65536)
        if not chunk:
            raise RuntimeError("the session ended early")
        data += chunk
    return time.perf_counter() - start, conn


def session_children(server_pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if int(stat[1]) == server_pid and b"immo_connect.ssh.child" in cmdline:
                found.append(int(entry))
    return found



async def measure(env: dict[str, str], server_pid: int, port: int) -> None:
    local_times, ssh_times = [], []
    local_rss = []
    for _ in range(ROUNDS):
        seconds, rss = local_start(env)
        local_times.append(seconds)
        local_rss.append(rss)
        seconds, conn = await open_session(port)
        ssh_times.append(seconds)
        conn.close()
        await conn.wait_closed()
        await asyncio.sleep(0.3)
    report("SSH connect to first screen (asyncssh client vs local start of the same UI)", local_times, ssh_times)

    connections = []
    for _ in range(SESSIONS):
        _seconds, conn = await open_session(port)
        connections.append(conn)
    await asyncio.sleep(0.5)
    children = session_children(server_pid)
    per_session = [rss_kib(pid) / 1024 for pid in children]
    server_mib = rss_kib(server_pid) / 1024
    print(f"{len(children)} concurrent sessions: server process {server_mib:.1f} MiB, "
          f"sessions {sum(per_session):.1f} MiB in all")
    report(f"memory per session with {SESSIONS} concurrent sessions (vs one local UI process)",
           [r / 1024 for r in local_rss], per_session, unit="MiB")
    for conn in connections:
        conn.close()


def main() -> None:
    data = tempfile.mkdtemp(prefix="immo-bench-ssh-")
    config = Path(data) / "plugins.toml"
    config.write_text(f"[ssh]\nmax_sessions = {SESSIONS + 5}\nmax_sessions_per_account = {SESSIONS + 5}\n"
                      f"max_anonymous_sessions = {SESSIONS + 5}\nmax_anonymous_per_address = {SESSIONS + 5}\n"
                      "connections_per_minute = 1000\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    env.update(IMMO_CONNECT_DATA_DIR=data, IMMO_CONNECT_CONFIG=str(config), TERM="xterm-256color",
               LANG="C.UTF-8", COLORTERM="truecolor", TEXTUAL_ANIMATIONS="none")
    server = subprocess.Popen([sys.executable, "-m", "immo_connect", "serve", "--listen", "127.0.0.1:0"],
                              env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = 0
        for line in server.stdout:
            if line.startswith("Listening on "):
                port = int(line.strip().rsplit(":", 1)[1])
                break
        local_start(env)  # warm the page cache and byte-code for both
        asyncio.run(measure(env, server.pid, port))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
