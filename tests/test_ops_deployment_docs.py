"""docs/deployment.md followed as written: the systemd unit with its secrets file, the
OpenSSH wrappers, and a real sshd with the document's ``sshd_config`` snippet.

The document's places (``/etc/immo-connect``, ``/opt/immo-connect``, the data directory,
the port) are replaced by the test's; everything else is run as the document gives it.
"""

from __future__ import annotations

import getpass
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncssh
import pytest

from immo_connect.platform import Platform
from tests.support.deployment import DOC, IMMO_CONNECT, Machine, clean_env
from tests.support.docs import block_with, read_environment_file, substitute
from tests.support.postgres import PostgresCluster
from tests.support.ssh import ROOT, connect, open_terminal
from tests.test_ssh_server import make_user


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path / "machine")


def registered_key(platform: Platform) -> asyncssh.SSHKey:
    alice = make_user(platform)
    key = asyncssh.generate_private_key("ssh-ed25519")
    platform.ssh_keys.add_key(alice, key.export_public_key().decode())
    return key


@pytest.mark.slow
async def test_the_systemd_unit_with_its_secrets_file_serves_the_database_it_names(
    make_platform: Callable[..., Platform], machine: Machine, tmp_path: Path,
) -> None:
    # The database lies outside the data directory: a server that missed the secrets file
    # would open an empty SQLite database in the data directory instead.
    database_url = f"sqlite:///{tmp_path / 'shared' / 'immo.sqlite3'}?timeout=10"
    (tmp_path / "shared").mkdir()
    platform = make_platform(database_url)
    key = registered_key(platform)
    platform.database.close()
    machine.share_key(platform)
    unit = substitute(block_with(DOC, "[Service]"), machine.places)
    env = clean_env()
    for name, value in re.findall(r"^Environment=(\w+)=(.*)$", unit, flags=re.MULTILINE):
        env[name] = value
    (secrets_file,) = re.findall(r"^EnvironmentFile=(.*)$", unit, flags=re.MULTILINE)
    assert not secrets_file.startswith("-"), "a missing secrets file must stop the start"
    assert Path(secrets_file) == machine.write_secrets(database_url)
    env.update(read_environment_file(Path(secrets_file)))
    (exec_start,) = re.findall(r"^ExecStart=(.*)$", unit, flags=re.MULTILINE)
    command = exec_start.replace("--listen 0.0.0.0:2222", "--listen 127.0.0.1:0").split()
    printed = [substitute(line, machine.places) for line in block_with(DOC, "Host key fingerprint:").splitlines()]

    for start in ("first", "second"):
        server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd="/")
        try:
            assert server.stdout is not None
            lines = [server.stdout.readline().rstrip("\n") for _ in printed]
            expected = list(printed) if start == "first" else [printed[0].replace("New host key", "Host key"), *printed[1:]]
            for line, documented in zip(lines, expected, strict=True):
                pattern = re.escape(documented).replace(re.escape("SHA256:QyC+srWOQPhPA9maM2oPqurFriJu96DGHxFWPh06NOU"),
                                                        r"SHA256:[A-Za-z0-9+/]{43}")
                pattern = pattern.replace(re.escape("0.0.0.0:2222"), r"127\.0\.0\.1:\d+")
                assert re.fullmatch(pattern, line), (line, documented)
            port = int(lines[-1].rsplit(":", 1)[1])
            conn = await connect(port, key=key)
            try:
                _process, screen = await open_terminal(conn)
                await screen.wait_for("Bonjour Alice Dumont", timeout=40)
            finally:
                conn.close()
        finally:
            server.send_signal(signal.SIGTERM)
            server.communicate(timeout=30)
    assert not (machine.data / "immo-connect.sqlite3").exists()


def test_the_keys_wrapper_gives_the_command_the_secrets_file(make_platform: Callable[..., Platform], machine: Machine,
                                                              tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'immo.sqlite3'}"
    platform = make_platform(database_url)
    key = registered_key(platform)
    machine.share_key(platform)
    machine.write_secrets(database_url)
    wrappers = machine.write_wrappers()
    # sshd runs AuthorizedKeysCommand with an almost empty environment.
    result = subprocess.run([str(wrappers["immo-connect-keys"])], env={"PATH": "/usr/bin:/bin"}, capture_output=True,
                            text=True, timeout=60, check=False, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[2] == key.export_public_key().decode().split()[1]  # restrict,pty ssh-ed25519 AAAA…
    assert not (machine.data / "immo-connect.sqlite3").exists()


def test_a_secrets_file_the_wrapper_cannot_read_stops_it(machine: Machine) -> None:
    wrappers = machine.write_wrappers()  # no secrets.env written
    result = subprocess.run([str(wrappers["immo-connect-keys"])], env={"PATH": "/usr/bin:/bin"}, capture_output=True,
                            text=True, timeout=60, check=False, cwd="/")
    assert result.returncode != 0
    assert "secrets.env" in result.stderr
    assert result.stdout == ""
    assert not (machine.data / "immo-connect.sqlite3").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to an unprivileged user needs root")
def test_the_service_user_reads_the_secrets_file_through_its_group_and_a_root_only_file_stops_it() -> None:
    """The wrappers run as the service user: the documented root:immo 0640 lets it read the
    file, the 0600 root-only file an administrator would naturally make does not."""
    service = pwd.getpwnam("nobody")  # stands for "immo": an unprivileged user and its group
    base = Path(tempfile.mkdtemp(prefix="immo-docs-"))
    base.chmod(0o755)
    try:
        machine = Machine(base)
        url = "postgresql://immo:pa%26ss@db.example.be/immo?sslmode=require&application_name=immo"
        secrets_file = machine.write_secrets(url, group=service.pw_gid)
        wrapper = machine.write_wrappers()["immo-connect-keys"]
        # The documented wrapper up to its last line; that line shows what the command would get.
        script = wrapper.read_text().replace(f"exec {IMMO_CONNECT} ssh-authorized-keys", "exec env")
        wrapper.write_text(script)

        def run_as_service() -> subprocess.CompletedProcess[str]:
            return subprocess.run([str(wrapper)], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                                  user=service.pw_uid, group=service.pw_gid, extra_groups=[], cwd="/",
                                  timeout=30, check=False)

        allowed = run_as_service()
        assert allowed.returncode == 0, allowed.stderr
        assert f"IMMO_CONNECT_DATABASE_URL={url}" in allowed.stdout.splitlines()
        os.chown(secrets_file, 0, 0)
        secrets_file.chmod(0o600)
        refused = run_as_service()
        assert refused.returncode != 0 and "IMMO_CONNECT_DATABASE_URL" not in refused.stdout
        assert "secrets.env" in refused.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)


# -- a real sshd ------------------------------------------------------------------------------

SSHD = "/usr/sbin/sshd"


def safe_base() -> Path | None:
    """A folder for AuthorizedKeysCommand: sshd wants it and every parent owned by root, not group/world-writable."""
    for candidate in ("/run", "/var/lib", str(ROOT / ".build")):
        path = Path(candidate)
        if path.is_dir() and all(p.stat().st_uid == 0 and not p.stat().st_mode & 0o022 for p in (path, *path.parents)):
            return path
    return None


@pytest.fixture
def sshd_machine() -> Iterator[Machine]:
    base = safe_base()
    if base is None:
        pytest.skip("no folder sshd accepts for AuthorizedKeysCommand")
    folder = Path(tempfile.mkdtemp(prefix="immo-docs-", dir=base))
    folder.chmod(0o755)
    try:
        yield Machine(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def start_sshd(machine: Machine, snippet: str) -> tuple[subprocess.Popen[str], int]:
    host_key = machine.base / "ssh_host_ed25519_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
    config = machine.base / "sshd_config"
    config.write_text(
        f"ListenAddress 127.0.0.1\nPort 0\nHostKey {host_key}\nPidFile none\nUsePAM no\n"
        "AuthorizedKeysFile none\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "LogLevel VERBOSE\n" + snippet)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation folder
    for _attempt in range(5):
        with __import__("socket").socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config), "-p", str(port)], stderr=subprocess.PIPE, text=True)
        assert process.stderr is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            if "Server listening on 127.0.0.1" in line:
                return process, port
        process.kill()
        process.wait()
    raise RuntimeError("sshd did not start")


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(not os.path.exists(SSHD), reason="needs OpenSSH's sshd (Debian package openssh-server)")
@pytest.mark.skipif(os.geteuid() != 0, reason="sshd switches to the signed-in user: it runs as root")
async def test_openssh_with_the_documented_snippet_and_wrappers_signs_a_key_user_in(
    make_platform: Callable[..., Platform], pg_cluster: PostgresCluster, sshd_machine: Machine,
) -> None:
    machine = sshd_machine
    # A URL with & and ? : the single quotes of the secrets file keep it whole for sh.
    database_url = pg_cluster.create_database("deploy") + "&application_name=immo-docs"
    platform = make_platform(database_url)
    key = registered_key(platform)
    machine.share_key(platform)
    machine.write_secrets(database_url)
    machine.write_wrappers()
    user = getpass.getuser()  # sshd logs this test in as the user running it, in place of "immo"
    snippet = substitute(block_with(DOC, "Match User immo"), machine.places)
    snippet = snippet.replace("Match User immo", f"Match User {user}").replace(
        "AuthorizedKeysCommandUser immo", f"AuthorizedKeysCommandUser {user}")
    sshd, port = start_sshd(machine, snippet)
    try:
        conn = await connect(port, key=key, username=user)
        try:
            process, screen = await open_terminal(conn, command="sh -c id")  # the command asked for is ignored
            await screen.wait_for("Bonjour Alice Dumont", timeout=40)
            process.stdin.write(b"\x11")  # ctrl+q
            await screen.wait_closed(timeout=20)
        finally:
            conn.close()
        # Port forwarding, which the snippet forbids, is refused.
        conn = await connect(port, key=key, username=user)
        try:
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.open_connection("127.0.0.1", port)
        finally:
            conn.close()
    finally:
        sshd.send_signal(signal.SIGTERM)
        sshd.communicate(timeout=20)
    from immo_connect.audit import AuditEvent

    sign_ins = AuditEvent.select().where(AuditEvent.action.contains("sign")).where(AuditEvent.source == "ssh:127.0.0.1")
    assert sign_ins.count() >= 1
    assert not (machine.data / "immo-connect.sqlite3").exists()
