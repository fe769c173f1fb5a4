"""Several machines on one PostgreSQL: two SSH servers, two mail workers, two bank imports.

Each "machine" has its own data directory (its own host key) and shares what a deployment
shares: the database, the configuration and the platform key. Mails go to a real SMTP
server on loopback.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import asyncssh
import pytest

from immo_connect.bank.models import BankEntry
from immo_connect.mail import OutboxMessage, enqueue
from immo_connect.platform import Platform
from immo_connect.ssh.models import SshSession
from immo_connect.storage import transaction
from immo_connect.wallet.models import Wallet, WalletTransaction
from tests.support import statements as s
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.operators import make_operator
from tests.support.postgres import PostgresCluster
from tests.support.smtp import SmtpServer
from tests.support.ssh import ROOT, ServerProcess, children_of, connect, open_terminal, ssh_config, wait_until_gone
from tests.test_ssh_server import make_user

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

MAILS = 24
CREDITS = {s.WALLET_A: [100_00, 250_00, 75_00, 1_00, 310_00], s.WALLET_B: [50_00, 1234_56, 99_99, 20_00]}


def statement() -> str:
    moves, number = [], 0
    for communication, amounts in CREDITS.items():
        for cents in amounts:
            number += 1
            moves.append(s.Move(f"CLUSTER{number:04d}", cents, ogm=communication))
    return s.coda(moves)


def command(machine: Path, config: Path, url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "immo_connect", "--lang", "en", "--config", str(config), "--database-url", url, *args]


def machine_env(machine: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    env["IMMO_CONNECT_DATA_DIR"] = str(machine)
    return env


async def test_two_servers_two_workers_and_two_imports_on_one_postgresql(
    make_platform: Callable[..., Platform], pg_cluster: PostgresCluster, smtp_server: SmtpServer, tmp_path: Path,
) -> None:
    url = pg_cluster.create_database("cluster")
    config_text = smtp_server.config_text() + ssh_config(max_sessions=2).replace("[mail]\ntransport = \"maildir\"\n", "")
    platform = make_platform(url, config_text=config_text)
    config = Path(platform.settings.config_path or "")

    alice = make_user(platform)
    key = asyncssh.generate_private_key("ssh-ed25519")
    platform.ssh_keys.add_key(alice, key.export_public_key().decode())
    make_operator("ops", "finance")
    wallets = {}
    for communication in CREDITS:
        organisation = make_organisation(make_account(), name=f"Agence {communication[:4]}")
        add_member(organisation, make_account(), is_manager=True)
        platform.wallet.ensure_wallet(organisation.id)
        with transaction():
            Wallet.update(structured_communication=communication).where(Wallet.organisation == organisation.id).execute()
        wallets[communication] = organisation.id
    for number in range(MAILS):
        with transaction():
            enqueue(to=f"user{number}@example.be", template="transport_check", key=f"cluster:{number}",
                    context={"address": f"user{number}@example.be", "transport": f"C{number:05d}"})
    statement_file = tmp_path / "statement.cod"
    statement_file.write_text(statement(), newline="")

    # Two machines: their own data directories and host keys, the same platform key.
    machines = []
    for name in ("machine-1", "machine-2"):
        machine = tmp_path / name
        machine.mkdir()
        shutil.copy(platform.settings.data_dir / "secret.key", machine / "secret.key")
        machines.append(machine)
    platform.database.close()

    servers = [ServerProcess(config, machine, url).start() for machine in machines]
    workers = [
        subprocess.Popen(command(m, config, url, "worker", "--interval", "0.2"), env=machine_env(m), cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for m in machines
    ]
    imports = [
        subprocess.Popen(command(m, config, url, "bank", "import", str(statement_file), "--as", "ops",
                                 "--reason", "daily statement"),
                         env=machine_env(m), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for m in machines
    ]
    connections: list[asyncssh.SSHClientConnection] = []
    try:
        # One session on each server; the limit of 2 holds across both servers.
        for server in servers:
            conn = await connect(server.port, key=key)
            connections.append(conn)
            _process, screen = await open_terminal(conn)
            await screen.wait_for("Bonjour Alice Dumont", timeout=40)
        assert SshSession.select().where(SshSession.ended_at.is_null()).count() == 2
        third = await connect(servers[0].port, key=key)
        connections.append(third)
        process, screen = await open_terminal(third)
        await screen.wait_for("nombre maximal de sessions (2)", timeout=30)
        await asyncio.wait_for(process.wait_closed(), 20)

        results = [p.communicate(timeout=120) for p in imports]
        assert all(p.returncode == 0 for p in imports), results
        expected_mails = OutboxMessage.select().count()
        assert expected_mails > MAILS  # the imports queued mails to the wallets' managers
        smtp_server.wait_for(expected_mails, timeout=60)
        for _ in range(100):
            if OutboxMessage.select().where(OutboxMessage.status != "sent").count() == 0:
                break
            await asyncio.sleep(0.2)
    finally:
        for conn in connections:
            conn.close()
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        outputs = [w.communicate(timeout=30) for w in workers]
        children = set().union(*(children_of(server.pid) for server in servers))
        for server in servers:
            server.stop()

    # Each mail was sent once.
    assert OutboxMessage.select().where(OutboxMessage.status != "sent").count() == 0
    ids = Counter(r.message["Message-ID"] for r in smtp_server.messages)
    assert len(ids) == expected_mails and set(ids.values()) == {1}
    sent_by = [int(out.split("Worker stopped: ")[1].split(" sent")[0]) for out, _err in outputs]
    assert sum(sent_by) == expected_mails
    # Each bank credit was applied once, whichever machine imported it.
    for communication, amounts in CREDITS.items():
        wallet = Wallet.get(Wallet.organisation == wallets[communication])
        assert wallet.balance == sum(amounts)
        assert WalletTransaction.select().where(WalletTransaction.wallet == wallet.id).count() == len(amounts)
    assert BankEntry.select().count() == sum(len(a) for a in CREDITS.values())
    # Nothing left running on either server.
    assert await wait_until_gone(children) == set()
    assert SshSession.select().where(SshSession.ended_at.is_null()).count() == 0
