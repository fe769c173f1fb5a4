"""docs/scaling.md followed as written: two machines set up by docs/deployment.md share one
PostgreSQL and the platform key copied with the document's commands; each runs an SSH
server and a mail worker from the documented units.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import asyncssh
import pytest

from immo_connect.mail import OutboxMessage, enqueue
from immo_connect.platform import Platform
from immo_connect.storage import transaction
from tests.support.deployment import Machine
from tests.support.docs import block_with, substitute
from tests.support.postgres import PostgresCluster
from tests.support.smtp import SmtpServer
from tests.support.ssh import connect, open_terminal
from tests.test_ssh_server import make_user

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DOC = "scaling.md"
MAILS = 12


def run_documented(block: str, machine: Machine, operator_home: Path) -> str:
    """A block of shell commands from the document, on ``machine``, with root's home at ``operator_home``.

    ``sudo -u immo`` goes: the test runs the commands as the user running it.
    """
    places = {**machine.places, "/root/": f"{operator_home}/", "sudo -u immo ": ""}
    result = subprocess.run(["sh", "-ec", substitute(block, places)], capture_output=True, text=True,
                            timeout=120, check=False, cwd="/")
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_two_machines_with_the_copied_key_serve_and_deliver_on_one_postgresql(
    make_platform: Callable[..., Platform], pg_cluster: PostgresCluster, smtp_server: SmtpServer, tmp_path: Path,
) -> None:
    database_url = pg_cluster.create_database("scaling")
    machines, homes = [], []
    for name in ("machine-1", "machine-2"):
        machine = Machine(tmp_path / name)
        (machine.etc / "plugins.toml").write_text(smtp_server.config_text())
        machine.write_secrets(database_url)
        machine.write_wrappers()
        machines.append(machine)
        homes.append(tmp_path / f"{name}-root")
        homes[-1].mkdir()
    admin = f"{machines[0].opt}/bin/immo-connect-admin"
    assert subprocess.run([admin, "db", "upgrade"], capture_output=True, check=False).returncode == 0

    # The document's steps: print the key on the first machine, copy it, add it everywhere.
    show = block_with(DOC, "secret show >")
    first_fingerprint = run_documented(show, machines[0], homes[0]).strip()
    assert re.fullmatch(r"key:[0-9a-f]{16}", first_fingerprint)
    key_file = homes[0] / "platform-key.txt"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key_text = key_file.read_text()
    assert re.fullmatch(r"[0-9a-f]{64}\n", key_text)
    shutil.copy(key_file, homes[1] / "platform-key.txt")  # scp
    add = block_with(DOC, "IMMO_CONNECT_SECRET_KEY='%s'")
    fingerprints = [run_documented(add, m, home).strip() for m, home in zip(machines, homes, strict=True)]
    assert fingerprints == [first_fingerprint, first_fingerprint]
    assert not (machines[1].data / "secret.key").exists()  # the second machine uses the copied key only
    assert not key_file.exists()  # removed as the document says

    # A third process with the same key queues sealed mails and registers a user's key.
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret.key").write_text(key_text)
    (tmp_path / "data" / "secret.key").chmod(0o600)
    platform = make_platform(database_url, config_text=smtp_server.config_text())
    alice = make_user(platform)
    user_key = asyncssh.generate_private_key("ssh-ed25519")
    platform.ssh_keys.add_key(alice, user_key.export_public_key().decode())
    for number in range(MAILS):
        with transaction():
            enqueue(to=f"user{number}@example.be", template="transport_check", key=f"scaling:{number}",
                    context={"address": f"user{number}@example.be", "transport": f"S{number:05d}"})

    servers, workers = [], []
    try:
        for machine in machines:
            command, env = machine.unit()
            command = [part if part != "0.0.0.0:2222" else "127.0.0.1:0" for part in command]
            servers.append(subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                            text=True, cwd="/"))
            # The worker unit: the same file with the documented worker ExecStart.
            worker_line = re.search(r"`ExecStart=(\S+ worker)`", (Path(__file__).parents[1] / "docs" / "deployment.md")
                                    .read_text()).group(1)  # type: ignore[union-attr]
            worker_command, worker_env = machine.unit(substitute(worker_line, machine.places))
            workers.append(subprocess.Popen([*worker_command, "--interval", "0.2"], env=worker_env,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/"))
        ports = []
        for server in servers:
            assert server.stdout is not None
            for line in server.stdout:
                if line.startswith("Listening on "):
                    ports.append(int(line.rsplit(":", 1)[1]))
                    break
        assert len(ports) == 2
        for port in ports:  # the user signs in with her key on either machine
            conn = await connect(port, key=user_key)
            try:
                _process, screen = await open_terminal(conn)
                await screen.wait_for("Bonjour Alice Dumont", timeout=40)
            finally:
                conn.close()
        smtp_server.wait_for(MAILS, timeout=60)
        for _ in range(100):
            if OutboxMessage.select().where(OutboxMessage.status != "sent").count() == 0:
                break
            await asyncio.sleep(0.2)
    finally:
        for process in [*workers, *servers]:
            process.send_signal(signal.SIGTERM)
        outputs = [w.communicate(timeout=30) for w in workers]
        for server in servers:
            server.communicate(timeout=30)
    # Each sealed mail was opened with the copied key and sent once, by one of the two workers.
    assert OutboxMessage.select().where(OutboxMessage.status != "sent").count() == 0
    assert set(Counter(r.message["Message-ID"] for r in smtp_server.messages).values()) == {1}
    assert len(smtp_server.messages) == MAILS
    sent = [int(out.split("Worker stopped: ")[1].split(" sent")[0]) for out, _err in outputs]
    assert sum(sent) == MAILS, outputs
