"""The stock OpenSSH set-up: ``ssh-authorized-keys`` and the forced command ``ssh-session``.

sshd itself is not installed here; the forced command runs on a pty with the environment
sshd gives it (``SSH_CONNECTION``, and ``SSH_USER_AUTH`` with ``ExposeAuthInfo yes``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import asyncssh
import pytest

from immo_connect.audit import AuditEvent
from immo_connect.platform import Platform
from immo_connect.ssh.forced import authenticating_key, source_address
from tests.support.factories import make_account
from tests.support.ssh import ROOT, plain
from tests.test_ssh_server import SIGN_IN_TITLE, make_user


def cli_env(platform: Platform, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMMO_CONNECT_", "SSH_"))}
    env.update(IMMO_CONNECT_DATA_DIR=str(platform.settings.data_dir), IMMO_CONNECT_CONFIG=str(platform.settings.config_path),
               IMMO_CONNECT_DATABASE_URL=platform.settings.database_url, TERM="xterm-256color", **extra)
    return env


def test_authorized_keys_lists_the_keys_of_active_accounts_only(platform: Platform) -> None:
    alice, bob = make_account("alice"), make_account("bob")
    alice_key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    bob_key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    platform.ssh_keys.add_key(alice, alice_key)
    platform.ssh_keys.add_key(bob, bob_key)
    bob.status = "blocked"
    bob.save()
    result = subprocess.run([sys.executable, "-m", "immo_connect", "ssh-authorized-keys"], env=cli_env(platform),
                            capture_output=True, text=True, check=True, cwd=ROOT)
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("restrict,pty " + " ".join(alice_key.split()[:2]) + " immo-connect:SHA256:")


def test_the_key_sshd_accepted_and_the_client_address_are_read(tmp_path: Path) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    auth = tmp_path / "auth"
    auth.write_text("publickey " + key.export_public_key().decode())
    assert authenticating_key({"SSH_USER_AUTH": str(auth)}) == key.get_fingerprint("sha256")
    assert authenticating_key({}) is None
    auth.write_text("keyboard-interactive\n")
    assert authenticating_key({"SSH_USER_AUTH": str(auth)}) is None
    assert source_address({"SSH_CONNECTION": "192.0.2.7 51234 192.0.2.1 22"}) == "ssh:192.0.2.7"


def run_on_pty(env: dict[str, str], wanted: str, timeout: float = 30.0) -> str:
    """Start ``immo-connect ssh-session`` on a pty; return its screen once ``wanted`` shows."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "immo_connect", "ssh-session"], stdin=slave, stdout=slave,
                               stderr=slave, env=env, start_new_session=True, cwd=ROOT)
    os.close(slave)
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while wanted not in plain(data) and time.monotonic() < deadline:
            os.set_blocking(master, False)
            try:
                data += os.read(master, 65536)
            except BlockingIOError:
                time.sleep(0.05)
            except OSError:
                break
        return plain(data)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(master)


@pytest.mark.slow
def test_forced_command_signs_in_the_owner_of_the_key(platform: Platform, tmp_path: Path) -> None:
    alice = make_user(platform)
    key = asyncssh.generate_private_key("ssh-ed25519")
    platform.ssh_keys.add_key(alice, key.export_public_key().decode())
    auth = tmp_path / "auth"
    auth.write_text("publickey " + key.export_public_key().decode())
    env = cli_env(platform, SSH_CONNECTION="192.0.2.7 51234 192.0.2.1 22", SSH_USER_AUTH=str(auth))
    screen = run_on_pty(env, "Bonjour Alice Dumont")
    assert "Bonjour Alice Dumont" in screen
    sign_in = AuditEvent.select().where(AuditEvent.action == "auth.sign_in").order_by(AuditEvent.id.desc()).first()
    assert (sign_in.actor, sign_in.source) == ("alice", "ssh:192.0.2.7")


@pytest.mark.slow
def test_forced_command_without_a_known_key_opens_the_sign_in_screen(platform: Platform) -> None:
    env = cli_env(platform, SSH_CONNECTION="192.0.2.8 51234 192.0.2.1 22")
    assert SIGN_IN_TITLE in run_on_pty(env, SIGN_IN_TITLE)


def test_forced_command_refuses_without_a_terminal(platform: Platform) -> None:
    result = subprocess.run([sys.executable, "-m", "immo_connect", "ssh-session"], env=cli_env(platform),
                            capture_output=True, text=True, stdin=subprocess.DEVNULL, cwd=ROOT, check=False)
    assert result.returncode == 1
    assert "ssh -t" in result.stderr


def read_until_exit(env: dict[str, str], wanted: str, then: Callable[[], object], timeout: float = 40.0) -> tuple[str, int]:
    """Run ``ssh-session`` on a pty; once ``wanted`` shows call ``then``; read until the process ends."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "immo_connect", "ssh-session"], stdin=slave, stdout=slave,
                               stderr=slave, env=env, start_new_session=True, cwd=ROOT)
    os.close(slave)
    os.set_blocking(master, False)
    data, called = b"", False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                data += os.read(master, 65536)
            except BlockingIOError:
                if process.poll() is not None:
                    break
                time.sleep(0.05)
            except OSError:  # the pty hung up: the process is gone
                break
            if not called and wanted in plain(data):
                then()
                called = True
        return plain(data), process.poll() or 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(master)


@pytest.mark.slow
def test_forced_command_closes_when_the_account_is_blocked(make_platform: Callable[..., Platform], tmp_path: Path) -> None:
    platform = make_platform(config_text="[ssh]\naccount_check_seconds = 0.5\n")
    alice = make_user(platform)
    key = asyncssh.generate_private_key("ssh-ed25519")
    platform.ssh_keys.add_key(alice, key.export_public_key().decode())
    auth = tmp_path / "auth"
    auth.write_text("publickey " + key.export_public_key().decode())
    env = cli_env(platform, SSH_CONNECTION="192.0.2.7 51234 192.0.2.1 22", SSH_USER_AUTH=str(auth))
    blocked_at: list[float] = []

    def block() -> None:
        platform.accounts.block("alice")
        blocked_at.append(time.monotonic())

    screen, status = read_until_exit(env, "Bonjour Alice Dumont", block)
    words = [line.strip() for line in screen.splitlines() if re.search(r"[A-Za-z]{3}", line)]
    assert blocked_at and time.monotonic() - blocked_at[0] < 10, "\n".join(words[-30:])
    assert screen.rstrip().endswith("Votre compte a été bloqué : session fermée.")
    assert status == -signal.SIGHUP


@pytest.mark.slow
def test_forced_command_closes_a_sign_in_screen_left_too_long(make_platform: Callable[..., Platform]) -> None:
    platform = make_platform(config_text="[ssh]\nsign_in_timeout_seconds = 3\n")
    env = cli_env(platform, SSH_CONNECTION="192.0.2.8 51234 192.0.2.1 22")
    started = time.monotonic()
    screen, status = read_until_exit(env, SIGN_IN_TITLE, lambda: None)
    assert SIGN_IN_TITLE in screen and "personne ne s'est connecté en 3 secondes" in screen
    assert 3 <= time.monotonic() - started < 15 and status == -signal.SIGHUP
