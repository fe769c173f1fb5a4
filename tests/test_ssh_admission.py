"""Who gets a session on the embedded SSH server when many clients come from several addresses.

Real server processes and real SSH clients (asyncssh; OpenSSH where it matters what a stock
client shows). Clients bind to 127.0.0.2, 127.0.0.3, …: Linux routes all of 127.0.0.0/8 to
the loopback interface, so each plays a different source address. Time limits are short
here (seconds) so that the tests stay fast.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import asyncssh
import pytest

from immo_connect.audit import AuditEvent
from immo_connect.platform import Platform
from immo_connect.ssh.models import SshSession
from tests.support.operators import make_operator
from tests.support.ssh import (
    IMMO_CONNECT,
    ROOT,
    ServerProcess,
    children_of,
    connect,
    open_terminal,
    wait_until_gone,
)
from tests.test_ssh_server import PASSWORD, SIGN_IN_TITLE, events, eventually, make_user, type_username

pytestmark = pytest.mark.slow

HOME = "Bonjour Alice Dumont"


def with_key(platform: Platform, username: str = "alice") -> asyncssh.SSHKey:
    account = make_user(platform, username)
    key = asyncssh.generate_private_key("ssh-ed25519")
    platform.ssh_keys.add_key(account, key.export_public_key().decode())  # type: ignore[arg-type]
    return key


async def sign_in_screen(port: int, source: str) -> tuple[asyncssh.SSHClientConnection, str]:
    """An anonymous session from ``source``: what it shows first (the sign-in screen or a refusal)."""
    conn = await connect(port, source=source)
    process, screen = await open_terminal(conn)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = screen.text()
        if SIGN_IN_TITLE in text or screen.closed:
            break
        await asyncio.sleep(0.05)
    if screen.closed:
        await process.wait_closed()
    return conn, screen.text()


async def test_anonymous_sessions_cannot_take_the_places_of_signed_in_users(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    key = with_key(platform)
    # The reported lock-out: max_sessions = 6, one address opening anonymous sessions.
    server = serve(max_sessions=6, max_anonymous=3, max_anonymous_per_address=2)
    flood = [await sign_in_screen(server.port, "127.0.0.2") for _ in range(4)]
    shown = [text for _conn, text in flood]
    assert [SIGN_IN_TITLE in text for text in shown] == [True, True, False, False]
    assert all("adresse a déjà 2 sessions sur l'écran de connexion" in text for text in shown[2:])
    # A second address gets the last anonymous place, a third finds the sign-in screen full.
    second, text = await sign_in_screen(server.port, "127.0.0.3")
    assert SIGN_IN_TITLE in text
    third, text = await sign_in_screen(server.port, "127.0.0.4")
    assert "Trop de personnes sont sur l'écran de connexion en ce moment (3)" in text
    assert len(children_of(server.pid)) == 3
    # A key user, even from the flooding address, still signs in straight away.
    started = time.monotonic()
    conn = await connect(server.port, key=key, source="127.0.0.2")
    _process, screen = await open_terminal(conn)
    await screen.wait_for(HOME, timeout=30)
    print(f"key sign-in with the sign-in screen full: {time.monotonic() - started:.2f} s")
    assert SshSession.select().where(SshSession.ended_at.is_null() & SshSession.account.is_null(False)).count() == 1
    refusals = sorted(e.detail for e in events("ssh.session.open", "refused"))
    assert ['"max_anonymous_per_address"' in d for d in refusals].count(True) == 2
    assert ['"max_anonymous_sessions"' in d for d in refusals].count(True) == 1
    for each in [*(c for c, _t in flood), second, third, conn]:
        each.close()
    assert await wait_until_gone(children_of(server.pid)) == set()


async def test_a_password_sign_in_moves_the_session_out_of_the_anonymous_places(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    make_user(platform)
    server = serve(max_anonymous=1, max_anonymous_per_address=1)
    conn = await connect(server.port, source="127.0.0.5")
    process, screen = await open_terminal(conn)
    await screen.wait_for(SIGN_IN_TITLE)
    _busy, text = await sign_in_screen(server.port, "127.0.0.6")
    assert "Trop de personnes" in text
    await type_username(process, screen)
    process.stdin.write(PASSWORD.encode() + b"\r")
    await screen.wait_for(HOME)
    assert await eventually(lambda: events("ssh.session.sign_in"))
    # Signed in, the session no longer holds the one place on the sign-in screen.
    other, text = await sign_in_screen(server.port, "127.0.0.6")
    assert SIGN_IN_TITLE in text
    for each in (conn, _busy, other):
        each.close()
    assert await wait_until_gone(children_of(server.pid)) == set()


async def test_the_sign_in_screen_has_a_time_limit_that_key_presses_do_not_extend(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    key = with_key(platform)
    server = serve(sign_in_timeout=3, account_check=0.5)
    signed_in = await connect(server.port, key=key, source="127.0.0.7")
    _kp, home = await open_terminal(signed_in)
    await home.wait_for(HOME)
    started = time.monotonic()
    conn = await connect(server.port, source="127.0.0.7")
    process, screen = await open_terminal(conn)
    await screen.wait_for(SIGN_IN_TITLE)
    while not screen.closed and time.monotonic() - started < 15:
        process.stdin.write(b"x")  # someone typing, never signing in
        await asyncio.sleep(0.3)
    elapsed = time.monotonic() - started
    print(f"closed {elapsed:.2f} s after connecting, with a key press every 0.3 s")
    assert "personne ne s'est connecté en 3 secondes" in screen.text()
    assert 3 <= elapsed < 8
    await asyncio.wait_for(conn.wait_closed(), 10)  # the whole connection, not only the session
    assert await eventually(lambda: SshSession.select().where(SshSession.end_reason == "sign_in_timeout").count() == 1)
    # The key user, signed in from the start, is still there.
    assert not home.closed and len(children_of(server.pid)) == 1
    signed_in.close()
    assert await wait_until_gone(children_of(server.pid)) == set()


def bare_connect(port: int, source: str, send: bytes = b"") -> None:
    """What a load balancer's health check or a port scan does: connect, maybe say hello, leave."""
    with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0)) as sock:
        if send:
            sock.sendall(send)
            sock.recv(256)  # the server's version line


async def test_connections_that_try_nothing_are_not_failed_sign_ins(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    key = with_key(platform)
    server = serve(failures=2, login_screen=False)
    for number in range(12):  # port scans and health checks
        bare_connect(server.port, "127.0.0.8", b"SSH-2.0-HealthCheck\r\n" if number % 2 else b"")
    # A client that asks to authenticate, presents nothing and leaves.
    for _ in range(3):
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(server.port, source="127.0.0.8")
    await asyncio.sleep(0.5)  # the server audits disconnects in the background
    assert events("ssh.auth", "refused") == []
    conn = await connect(server.port, key=key, source="127.0.0.8")
    _process, screen = await open_terminal(conn)
    await screen.wait_for(HOME)
    conn.close()
    # Keys that were presented and refused still count: the address is then turned away.
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    for _ in range(2):
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(server.port, key=stranger, source="127.0.0.9")
    assert await eventually(lambda: len(events("ssh.auth", "refused")) == 2)
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(server.port, key=key, source="127.0.0.9")
    assert await wait_until_gone(children_of(server.pid)) == set()


def operator(platform: Platform, *args: str) -> str:
    settings = platform.settings
    if args[0] == "accounts":  # account actions name an accountable operator (an admin may delete)
        from immo_connect.operators.models import OperatorRole

        if not OperatorRole.select().where(OperatorRole.role == "admin").exists():
            make_operator("ops.admin", "admin")
        args = (*args, "--as", "ops.admin", "--reason", "test")
    result = subprocess.run(
        [*IMMO_CONNECT, "--config", str(settings.config_path), "--database-url", settings.database_url, *args],
        check=False, capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={"IMMO_CONNECT_DATA_DIR": str(settings.data_dir), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_blocking_or_deleting_an_account_closes_its_sessions_on_every_server_within_seconds(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    key = with_key(platform)
    make_user(platform, "bob")
    first, second = serve(account_check=0.5), serve(account_check=0.5)
    # alice by key on one server, bob by password on the other, carol's neighbour untouched.
    alice = await connect(first.port, key=key, source="127.0.0.10")
    alice_process, alice_screen = await open_terminal(alice)
    await alice_screen.wait_for(HOME)
    bob = await connect(second.port, source="127.0.0.11")
    bob_process, bob_screen = await open_terminal(bob)
    await bob_screen.wait_for(SIGN_IN_TITLE)
    await type_username(bob_process, bob_screen, "bob")
    bob_process.stdin.write(PASSWORD.encode() + b"\r")
    await bob_screen.wait_for(HOME)
    bystander = await connect(second.port, source="127.0.0.11")
    _bp, bystander_screen = await open_terminal(bystander)
    await bystander_screen.wait_for(SIGN_IN_TITLE)
    assert await eventually(lambda: events("ssh.session.sign_in"))

    operator(platform, "accounts", "block", "alice")
    started = time.monotonic()
    await alice_screen.wait_for("Votre compte a été bloqué : session fermée.", timeout=15)
    blocked_after = time.monotonic() - started
    await asyncio.wait_for(alice.wait_closed(), 10)
    operator(platform, "accounts", "delete", "bob")
    started = time.monotonic()
    await bob_screen.wait_for("Votre compte a été supprimé : session fermée.", timeout=15)
    deleted_after = time.monotonic() - started
    await asyncio.wait_for(bob.wait_closed(), 10)
    print(f"closed {blocked_after:.2f} s after the block, {deleted_after:.2f} s after the delete")
    assert blocked_after < 5 and deleted_after < 5
    assert alice_process.exit_status == 1 and bob_process.exit_status == 1
    reasons = sorted(row.end_reason for row in SshSession.select().where(SshSession.ended_at.is_null(False)))
    assert reasons == ["account_blocked", "account_deleted"]
    # Nobody else was touched; no session process is left of the two.
    assert not bystander_screen.closed
    assert len(children_of(first.pid)) == 0 and len(children_of(second.pid)) == 1
    bystander.close()
    assert await wait_until_gone(children_of(second.pid)) == set()
    assert await eventually(lambda: AuditEvent.select().where(AuditEvent.action == "ssh.session.close").count() == 3)


@pytest.mark.parametrize(("key", "value"), [
    ("max_anonymous_sessions", "0"), ("max_anonymous_per_address", "-1"), ("sign_in_timeout_seconds", "0"),
    ("account_check_seconds", "1e9"),
])
def test_admission_numbers_out_of_range_stop_the_server_with_one_clear_line(
    platform: Platform, tmp_path: Path, key: str, value: str,
) -> None:
    config = tmp_path / "ranges.toml"
    config.write_text(f"[ssh]\n{key} = {value}\n")
    result = subprocess.run(
        [*IMMO_CONNECT, "--config", str(config), "--database-url", platform.settings.database_url,
         "serve", "--listen", "127.0.0.1:0"],
        check=False, capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={"IMMO_CONNECT_DATA_DIR": str(platform.settings.data_dir), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert f"ranges.toml [ssh] {key} = " in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and "Listening" not in result.stdout


@pytest.mark.skipif(not (shutil.which("tmux") and shutil.which("ssh")), reason="needs tmux and the OpenSSH client")
async def test_a_blocked_user_on_openssh_sees_why_and_the_client_exits(
    platform: Platform, serve: Callable[..., ServerProcess], tmp_path: Path,
) -> None:
    from tests.test_ssh_openssh import Tmux, ssh_command, write_key

    identity = write_key(tmp_path, with_key(platform))
    server = serve(account_check=0.5)
    tmux = Tmux()
    try:
        tmux.start(ssh_command(server.port, "-i", str(identity), "-o", "IdentitiesOnly=yes", "-b", "127.0.0.12"),
                   100, 30)
        await tmux.wait_for(HOME)
        children = children_of(server.pid)
        operator(platform, "accounts", "block", "alice")
        # The terminal is back from the app's screen, with the sentence; ssh ends by itself.
        await tmux.wait_for("Votre compte a été bloqué : session fermée.", timeout=15)
        assert await tmux.wait_for_exit(timeout=15) in (1, 255, None)
        assert await wait_until_gone(children) == set()
        assert SshSession.get().source == "ssh:127.0.0.12"
    finally:
        tmux.kill()
