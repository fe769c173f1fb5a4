"""The embedded SSH server end to end: a real server process, an asyncssh client with a pty."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Callable
from pathlib import Path

import asyncssh
import pytest

from immo_connect.audit import AuditEvent
from immo_connect.platform import Platform
from immo_connect.ssh.models import SshSession
from tests.support.ssh import (
    Screen,
    ServerProcess,
    children_of,
    connect,
    open_terminal,
    wait_until_gone,
)

pytestmark = pytest.mark.slow

SIGN_IN_TITLE = "Se connecter à Immo-Connect"


def events(action: str, outcome: str | None = None) -> list[AuditEvent]:
    query = AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id)
    if outcome:
        query = query.where(AuditEvent.outcome == outcome)
    return list(query)


async def eventually(check: Callable[[], object], timeout: float = 10.0) -> object:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.1)


async def test_host_key_is_made_once_kept_private_and_shown(platform: Platform, serve: Callable[..., ServerProcess]) -> None:
    server = serve()
    path = Path(platform.settings.data_dir) / "ssh_host_ed25519_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any(line.startswith("New host key") for line in server.output)
    conn = await connect(server.port)
    try:
        seen = conn.get_server_host_key()
        assert seen is not None and seen.get_fingerprint("sha256") == server.fingerprint
    finally:
        conn.close()
    server.stop()
    again = serve()
    assert again.fingerprint == server.fingerprint
    assert any(line.startswith("Host key ") for line in again.output)


async def test_without_a_key_the_session_opens_on_the_sign_in_screen_and_ends_cleanly(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    server = serve()
    conn = await connect(server.port)
    process, screen = await open_terminal(conn, (100, 30))
    await screen.wait_for(SIGN_IN_TITLE)
    children = children_of(server.pid)
    assert len(children) == 1
    # Resize: the app repaints for 120x40 (its footer moves to row 40).
    mark = screen.mark()
    process.change_terminal_size(120, 40)
    await screen.wait_raw(b"\x1b[40;1H", since=mark)
    # The client goes away: the session process is ended, and so is its register row.
    conn.close()
    await conn.wait_closed()
    assert await wait_until_gone(children) == set()
    assert await eventually(lambda: SshSession.select().where(SshSession.ended_at.is_null()).count() == 0)
    row = SshSession.get()
    assert row.account is None and row.end_reason == "disconnected"
    assert await eventually(lambda: events("ssh.disconnect"))
    assert [e.detail for e in events("ssh.auth")] == ['{"method": "login_screen"}']


async def test_the_session_process_has_a_clean_environment_and_no_secret_in_view(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    # A spawned session process: /proc/PID/environ is its environment. A forked one shows the
    # zygote's there; tests/test_ssh_zygote.py checks what such a session really runs with.
    server = serve(prefork=False)
    conn = await connect(server.port)
    _process, screen = await open_terminal(
        conn, env={"COLORTERM": "24bit", "TEXTUAL_DRIVER": "os:system", "PYTHONPATH": "/tmp/evil", "LC_ALL": "C"},
    )
    await screen.wait_for(SIGN_IN_TITLE)
    (child,) = children_of(server.pid)
    environ = dict(
        item.split("=", 1) for item in Path(f"/proc/{child}/environ").read_text().split("\0") if "=" in item
    )
    cmdline = Path(f"/proc/{child}/cmdline").read_text()
    # Read while the client is still there: once it goes, the session process ends.
    stat_fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
    conn.close()
    assert environ["COLORTERM"] == "24bit"
    assert "TEXTUAL_DRIVER" not in environ and environ.get("PYTHONPATH") != "/tmp/evil"
    assert (environ["LANG"], environ["LC_ALL"], environ["TERM"]) == ("C.UTF-8", "C.UTF-8", "xterm-256color")
    assert "database" not in cmdline.lower() and "token" not in cmdline.lower()
    assert platform.settings.database_url not in " ".join(environ.values())
    # The session process leads its own session with the pty as controlling terminal.
    pgrp, session_id, tty = int(stat_fields[2]), int(stat_fields[3]), int(stat_fields[4])
    assert pgrp == child and session_id == child and tty != 0
    assert await wait_until_gone({child}) == set()


async def test_a_session_without_a_terminal_is_refused(platform: Platform, serve: Callable[..., ServerProcess]) -> None:
    server = serve()
    async with await connect(server.port) as conn:
        result = await conn.run("id", encoding="utf-8")
    assert result.exit_status == 1
    assert "ssh -t" in str(result.stderr)
    assert children_of(server.pid) == set()
    # The server audits the refusal as the channel closes: wait for its commit.
    await eventually(lambda: [e.outcome for e in events("ssh.session.open")] == ["refused"])
    assert [e.outcome for e in events("ssh.session.open")] == ["refused"]


async def test_too_many_sessions_are_refused_with_a_message(platform: Platform, serve: Callable[..., ServerProcess]) -> None:
    server = serve(max_anonymous=1)
    first = await connect(server.port)
    _process, screen = await open_terminal(first)
    await screen.wait_for(SIGN_IN_TITLE)
    second = await connect(server.port)
    process, other = await open_terminal(second)
    await other.wait_for("sur l'écran de connexion en ce moment (1)", timeout=20)
    await asyncio.wait_for(process.wait_closed(), 20)
    assert process.exit_status == 1
    assert len(children_of(server.pid)) == 1
    await eventually(lambda: events("ssh.session.open", "refused"))
    refusal = events("ssh.session.open", "refused")
    assert len(refusal) == 1 and "max_anonymous_sessions" in refusal[0].detail
    first.close()
    second.close()
    assert await wait_until_gone(children_of(server.pid)) == set()


async def test_a_client_that_vanishes_mid_session_leaves_nothing_running(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    server = serve()
    conn = await connect(server.port)
    _process, screen = await open_terminal(conn)
    await screen.wait_for(SIGN_IN_TITLE)
    children = children_of(server.pid)
    conn.abort()  # the TCP connection drops without any SSH goodbye
    assert await wait_until_gone(children) == set()
    assert await eventually(lambda: SshSession.get().ended_at is not None)
    # The server keeps serving others.
    again = await connect(server.port)
    _process, screen = await open_terminal(again)
    await screen.wait_for(SIGN_IN_TITLE)
    again.close()


async def test_idle_sessions_are_closed(platform: Platform, serve: Callable[..., ServerProcess]) -> None:
    server = serve(idle_minutes=0.05)  # 3 seconds
    conn = await connect(server.port)
    process, screen = await open_terminal(conn)
    await screen.wait_for(SIGN_IN_TITLE)
    await screen.wait_for("Session fermée après 0.05 minutes sans activité", timeout=15)
    await asyncio.wait_for(process.wait_closed(), 10)
    assert SshSession.get().end_reason == "idle_timeout"
    assert await wait_until_gone(children_of(server.pid)) == set()
    conn.close()


async def test_unknown_keys_are_audited_then_lead_to_the_sign_in_screen_or_are_refused(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    fingerprint = key.get_fingerprint("sha256")
    server = serve()
    conn = await asyncssh.connect(
        "127.0.0.1", server.port, username="immo", known_hosts=None, agent_path=None, client_keys=[key],
        client_factory=_KeyThenLoginScreen,
    )
    _process, screen = await open_terminal(conn)
    await screen.wait_for(SIGN_IN_TITLE)
    conn.close()
    assert [e.target for e in events("ssh.key.unknown", "refused")] == [fingerprint]
    server.stop()
    strict = serve(login_screen=False)
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect("127.0.0.1", strict.port, username="immo", known_hosts=None, agent_path=None,
                               client_keys=[key])
    assert await eventually(lambda: events("ssh.auth", "refused"))
    assert children_of(strict.pid) == set()


async def test_an_address_with_too_many_failures_is_turned_away(platform: Platform, serve: Callable[..., ServerProcess]) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    server = serve(login_screen=False, failures=2)
    for _ in range(2):
        with pytest.raises(asyncssh.PermissionDenied):
            await asyncssh.connect("127.0.0.1", server.port, username="immo", known_hosts=None,
                                   agent_path=None, client_keys=[key])
    await eventually(lambda: len(events("ssh.auth", "refused")) >= 2)
    with pytest.raises(asyncssh.PermissionDenied) as refused:
        await asyncssh.connect("127.0.0.1", server.port, username="immo", known_hosts=None,
                               agent_path=None, client_keys=[key])
    assert "Trop" in str(refused.value) or "Too many" in str(refused.value)
    assert await eventually(lambda: any("too_many_failures" in e.detail for e in events("ssh.connect", "refused")))


class _KeyThenLoginScreen(asyncssh.SSHClient):
    def kbdint_auth_requested(self) -> str:
        return ""

    def kbdint_challenge_received(self, *args: object) -> list[str]:
        return []



PASSWORD = "correct horse battery staple"


async def type_username(process: asyncssh.SSHClientProcess[bytes], screen: Screen, name: str = "alice") -> None:
    """Type the username, then Tab to the password field.

    Tab moves the focus while the key is handled; Enter would move it a message later, and
    keys typed that quickly would still land in the username field.
    """
    mark = screen.mark()
    process.stdin.write(name.encode())
    await screen.wait_for(name, since=mark)
    process.stdin.write(b"\t")
    await asyncio.sleep(0.2)


def make_user(platform: Platform, username: str = "alice") -> object:
    """An active account with a password and a linked eID (so sign-in goes straight home)."""
    from immo_connect.clock import utcnow
    from tests.support.factories import make_account

    account = make_account(username, first_name="Alice", last_name="Dumont", eid_linked_at=utcnow())
    account.password_hash = platform.accounts.hasher.hash(PASSWORD)
    account.save()
    return account


async def test_a_registered_key_signs_in_straight_away(platform: Platform, serve: Callable[..., ServerProcess]) -> None:
    alice = make_user(platform)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="alice@laptop")
    platform.ssh_keys.add_key(alice, key.export_public_key().decode())
    server = serve()
    conn = await connect(server.port, key=key, username="whatever")
    process, screen = await open_terminal(conn, (110, 32))
    await screen.wait_for("Bonjour Alice Dumont")
    assert SIGN_IN_TITLE not in screen.text()
    children = children_of(server.pid)
    mark = screen.mark()
    process.change_terminal_size(90, 26)
    await screen.wait_raw(b"\x1b[26;1H", since=mark)
    process.stdin.write(b"\x11")  # ctrl+q: quit from the home screen: the session ends with the app
    await asyncio.wait_for(process.wait_closed(), 20)
    assert process.exit_status == 0
    assert await wait_until_gone(children) == set()
    conn.close()
    sign_in = events("auth.sign_in")[-1]
    assert (sign_in.actor, sign_in.source, sign_in.outcome) == ("alice", "ssh:127.0.0.1", "success")
    assert '"method": "ssh_key"' in sign_in.detail
    row = SshSession.get()
    assert (row.account_id, row.end_reason) == (alice.id, "exited")  # type: ignore[attr-defined]
    key_row = platform.ssh_keys.list_keys(alice)[0]
    assert key_row.last_used_from == "ssh:127.0.0.1" and key_row.last_used_at is not None


async def test_password_sign_in_on_the_sign_in_screen(platform: Platform, serve: Callable[..., ServerProcess]) -> None:
    make_user(platform)
    server = serve()
    conn = await connect(server.port)
    process, screen = await open_terminal(conn, (100, 30))
    await screen.wait_for(SIGN_IN_TITLE)
    await type_username(process, screen)
    process.stdin.write(PASSWORD.encode() + b"\r")
    await screen.wait_for("Bonjour Alice Dumont")
    assert await eventually(lambda: events("ssh.session.sign_in"))
    row = SshSession.get()
    assert row.account_id == row.account.id  # type: ignore[attr-defined]
    conn.close()
    assert await wait_until_gone(children_of(server.pid)) == set()


async def test_wrong_passwords_beyond_the_limit_close_the_session_and_then_the_address(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    make_user(platform)
    server = serve(failures=5)
    conn = await connect(server.port)
    process, screen = await open_terminal(conn, (100, 30))
    await screen.wait_for(SIGN_IN_TITLE)
    await type_username(process, screen)  # then the password field keeps the focus after each refusal
    for attempt in range(5):
        await asyncio.sleep(1.0)  # the refusal clears and focuses the password field
        process.stdin.write(b"wrong password " + str(attempt).encode() + b"\r")
        assert await eventually(lambda n=attempt + 1: len(events("auth.sign_in", "refused")) == n)
    await screen.wait_for("Trop de tentatives de connexion échouées", timeout=20)
    await asyncio.wait_for(process.wait_closed(), 20)
    assert process.exit_status == 1
    assert SshSession.get().end_reason == "sign_in_failures"
    assert len(events("auth.sign_in", "refused")) == 5
    conn.close()
    assert await wait_until_gone(children_of(server.pid)) == set()
    # The address has used up its failures: the next connection is turned away at once.
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(server.port)


async def test_the_per_account_limit_applies_to_keys_and_passwords(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    alice = make_user(platform)
    key = asyncssh.generate_private_key("ssh-ed25519")
    platform.ssh_keys.add_key(alice, key.export_public_key().decode())
    server = serve(max_per_account=1)
    first = await connect(server.port, key=key)
    _process, screen = await open_terminal(first)
    await screen.wait_for("Bonjour Alice Dumont")
    second = await connect(server.port, key=key)
    process, other = await open_terminal(second)
    await other.wait_for("déjà 1 sessions ouvertes")
    await asyncio.wait_for(process.wait_closed(), 20)
    # By password on the sign-in screen: signed in, then closed with the same reason.
    third = await connect(server.port)
    process, screen3 = await open_terminal(third)
    await screen3.wait_for(SIGN_IN_TITLE)
    await type_username(process, screen3)
    process.stdin.write(PASSWORD.encode() + b"\r")
    await screen3.wait_for("déjà 1 sessions ouvertes", timeout=20)
    await asyncio.wait_for(process.wait_closed(), 20)
    assert len(children_of(server.pid)) == 1
    for conn in (first, second, third):
        conn.close()
    assert await wait_until_gone(children_of(server.pid)) == set()
    refused = [e.action for e in AuditEvent.select().where(
        (AuditEvent.outcome == "refused") & AuditEvent.action.startswith("ssh.session"))]
    assert refused == ["ssh.session.open", "ssh.session.sign_in"]
