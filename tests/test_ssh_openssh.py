"""The embedded server with the stock OpenSSH client, in tmux as the terminal."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest

from immo_connect.platform import Platform
from tests.support.ssh import ServerProcess, children_of, ssh_config, start_server, wait_until_gone, zygote_pids
from tests.test_ssh_server import PASSWORD, SIGN_IN_TITLE, make_user

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("tmux") and shutil.which("ssh")), reason="needs tmux and the OpenSSH client"),
]


class Tmux:
    """A private tmux server (own socket): one window of a given size running a command."""

    def __init__(self) -> None:
        self.socket = f"immo-ssh-{uuid.uuid4().hex[:12]}"

    def run(self, *args: str) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True, timeout=20)
        return result.stdout

    def start(self, command: list[str], columns: int, rows: int) -> None:
        self.run("new-session", "-d", "-s", "t", "-x", str(columns), "-y", str(rows), *command)
        self.run("set-option", "-t", "t", "remain-on-exit", "on")

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "t")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "t", *keys)

    def resize(self, columns: int, rows: int) -> None:
        self.run("resize-window", "-t", "t", "-x", str(columns), "-y", str(rows))

    async def wait_for_exit(self, timeout: float = 40.0) -> int | None:
        """Wait until the command in the pane has ended; its exit status when tmux knows it.

        tmux sometimes reaps the command without recording a status (then it also omits its
        "Pane is dead" line): ``None``.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while self.run("display-message", "-p", "-t", "t", "#{pane_dead}").strip() != "1":
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the command is still running:\n{self.screen()}")
            await asyncio.sleep(0.1)
        status = self.run("display-message", "-p", "-t", "t", "#{pane_dead_status}").strip()
        return int(status) if status else None

    def client_pid(self) -> int:
        return int(self.run("display-message", "-p", "-t", "t", "#{pane_pid}").strip())

    async def wait_for(self, text: str, timeout: float = 25.0) -> str:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"not on screen: {text!r}\n{screen}")
            await asyncio.sleep(0.1)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    terminal = Tmux()
    yield terminal
    terminal.kill()


@pytest.fixture
def server(platform: Platform) -> Iterator[ServerProcess]:
    started = start_server(platform, ssh_config())
    yield started
    started.stop()


def ssh_command(port: int, *options: str) -> list[str]:
    return ["ssh", "-p", str(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-o", "IdentityAgent=none", "-F", "/dev/null", *options, "-tt", "alice@127.0.0.1"]


def write_key(folder: Path, key: asyncssh.SSHKey) -> Path:
    path = folder / "id_ed25519"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.export_private_key("openssh"))
    return path


def last_column(screen: str, marker: str) -> int:
    """The column where the line holding ``marker`` ends (tmux trims trailing blanks)."""
    line = next((line for line in screen.splitlines() if marker in line), "")
    return len(line.rstrip())


async def test_openssh_with_a_registered_key(platform: Platform, server: ServerProcess, tmux: Tmux, tmp_path: Path) -> None:
    alice = make_user(platform)
    key = asyncssh.generate_private_key("ssh-ed25519")
    platform.ssh_keys.add_key(alice, key.export_public_key().decode())
    identity = write_key(tmp_path, key)
    tmux.start(ssh_command(server.port, "-i", str(identity), "-o", "IdentitiesOnly=yes"), 100, 30)
    await tmux.wait_for("Bonjour Alice Dumont")
    screen = await tmux.wait_for("Commandes")
    assert "Alice Dumont" in screen.splitlines()[0]  # the header names the signed-in user
    assert 95 <= last_column(screen, "Commandes") <= 100  # the footer ends at the right edge
    children = children_of(server.pid) - zygote_pids(server.pid)  # the session, not the warm parent
    assert len(children) == 1
    # Resizing the terminal re-lays the app out at the new width.
    tmux.resize(72, 24)
    for _ in range(100):
        screen = tmux.screen()
        if "Bonjour Alice Dumont" in screen and 0 < last_column(screen, "Commandes") <= 72:
            break
        await asyncio.sleep(0.1)
    assert 67 <= last_column(screen, "Commandes") <= 72
    # Killing the client: the server notices and ends the session process.
    os.kill(tmux.client_pid(), 9)
    assert await wait_until_gone(children, timeout=15) == set()


async def test_openssh_with_a_password_on_the_sign_in_screen(platform: Platform, server: ServerProcess, tmux: Tmux) -> None:
    make_user(platform)
    tmux.start(ssh_command(server.port, "-o", "PubkeyAuthentication=no",
                           "-o", "PreferredAuthentications=keyboard-interactive"), 100, 30)
    await tmux.wait_for(SIGN_IN_TITLE)
    tmux.keys("alice")
    await tmux.wait_for("alice")
    tmux.keys("Tab")
    await asyncio.sleep(0.2)
    tmux.keys(PASSWORD, "Enter")
    await tmux.wait_for("Bonjour Alice Dumont")
    children = children_of(server.pid)
    await asyncio.sleep(0.5)
    tmux.keys("C-q")  # quit (ctrl+q): the app ends, the server closes the channel, ssh exits
    # The pane's own state, not the "Pane is dead" text, which tmux does not always write.
    assert await tmux.wait_for_exit() in (0, None)
    assert await wait_until_gone(children) == set()

