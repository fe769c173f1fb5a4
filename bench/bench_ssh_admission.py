"""SSH admission: what the account check costs, and a key user's sign-in with the sign-in screen full.

1. Account check: every ``[ssh] account_check_seconds`` each server asks the database which
   of the accounts behind its sessions are blocked or deleted (one query for all of them). Measured with 50 live sessions on SQLite, against the heartbeat the server already
   runs on the same rows (one ``UPDATE``), alternated; the line after it says what the check
   costs per server and hour at the default interval.
2. Key sign-in under a flood: two servers on one database; on one, every place on the
   sign-in screen is taken by anonymous sessions from several loopback addresses
   (127.0.0.2, 127.0.0.3, …). A key user connects to the flooded server and to the quiet
   one in turn; the time from connecting to the home screen is compared.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncssh
from _common import interleave, report, timed

SESSIONS = 50
CHECK_ROUNDS = 300
ANONYMOUS = 12  # anonymous places, filled 3 per address from 4 addresses
PER_ADDRESS = 3
SIGN_IN_ROUNDS = 5
HOME = "Bonjour Anne Peeters"
TITLE = "Se connecter à Immo-Connect"
_ESCAPE = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[PX^_\]].*?(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def plain(data: bytes) -> str:
    return _ESCAPE.sub(b"", data).decode("utf-8", "replace")


class LoginScreenClient(asyncssh.SSHClient):
    def kbdint_auth_requested(self) -> str:
        return ""

    def kbdint_challenge_received(self, *args: object) -> list[str]:
        return []


def account_check(platform: object, folder: Path) -> None:
    from immo_connect.accounts.models import Account
    from immo_connect.clock import utcnow
    from immo_connect.ssh.sessions import SessionLimits
    from immo_connect.storage import transaction

    registry = platform.ssh_sessions  # type: ignore[attr-defined]
    limits = SessionLimits(max_sessions=SESSIONS, max_per_account=SESSIONS, max_anonymous=1, max_anonymous_per_address=1)
    ids, accounts = [], []
    for number in range(SESSIONS):
        with transaction():
            account = Account.create(username=f"user{number}", email=f"user{number}@example.be", first_name="A",
                                     last_name="B", status="active", created_at=utcnow())
        accounts.append(int(account.id))
        ids.append(registry.open(server="bench:1", source=f"ssh:10.0.0.{number}", account_id=account.id,
                                 limits=limits))
    for _ in range(20):  # warm up
        registry.closed_accounts(accounts)
        registry.heartbeat(ids)
    baseline, measured = interleave(lambda: timed(lambda: registry.heartbeat(ids)),
                                    lambda: timed(lambda: registry.closed_accounts(accounts)), CHECK_ROUNDS)
    ratio = report(f"account check of {SESSIONS} sessions (vs the heartbeat of the same rows), SQLite",
                   [b * 1000 for b in baseline], [m * 1000 for m in measured], unit="ms")
    per_check = sorted(measured)[len(measured) // 2]
    print(f"  at the default interval of 5 s: {3600 / 5:.0f} checks per server and hour, "
          f"{per_check * 720 * 1000:.0f} ms of database time per hour (ratio {ratio:.2f}x a heartbeat)")
    registry.close_server("bench:1", "server_stopped")


async def home_after(port: int, key: asyncssh.SSHKey) -> float:
    start = time.perf_counter()
    conn = await asyncssh.connect("127.0.0.1", port, username="anne", known_hosts=None, agent_path=None,
                                  client_keys=[key], preferred_auth="publickey")
    process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30), encoding=None)
    data = b""
    while HOME not in plain(data):
        chunk = await process.stdout.read(65536)
        if not chunk:
            raise RuntimeError("the session ended early: " + plain(data)[-300:])
        data += chunk
    elapsed = time.perf_counter() - start
    conn.close()
    await conn.wait_closed()
    await asyncio.sleep(0.5)
    return elapsed


async def flood(port: int) -> list[asyncssh.SSHClientConnection]:
    connections = []
    for number in range(ANONYMOUS):
        source = f"127.0.0.{2 + number // PER_ADDRESS}"
        conn = await asyncssh.connect("127.0.0.1", port, username="x", known_hosts=None, agent_path=None,
                                      client_keys=None, client_factory=LoginScreenClient,
                                      preferred_auth="keyboard-interactive", local_addr=(source, 0))
        process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30), encoding=None)
        data = b""
        while TITLE not in plain(data):
            chunk = await process.stdout.read(65536)
            if not chunk:
                raise RuntimeError("an anonymous session was refused: " + plain(data)[-300:])
            data += chunk
        connections.append(conn)
    return connections


async def sign_in_under_flood(ports: list[int], key: asyncssh.SSHKey) -> None:
    flooded, quiet = ports
    connections = await flood(flooded)
    await home_after(quiet, key)  # warm up
    loop = asyncio.get_running_loop()

    def at(port: int) -> float:
        return asyncio.run_coroutine_threadsafe(home_after(port, key), loop).result()

    baseline, measured = await asyncio.to_thread(interleave, lambda: at(quiet), lambda: at(flooded), SIGN_IN_ROUNDS)
    report(f"key user, connect to home screen with {ANONYMOUS} anonymous sessions from "
           f"{ANONYMOUS // PER_ADDRESS} addresses on the server (vs a quiet server)", baseline, measured)
    for conn in connections:
        conn.close()


def main() -> None:
    os.environ.pop("IMMO_CONNECT_CONFIG", None)
    os.environ.pop("IMMO_CONNECT_DATABASE_URL", None)
    from immo_connect.accounts.models import Account
    from immo_connect.clock import utcnow
    from immo_connect.config import load_settings
    from immo_connect.platform import create_platform
    from immo_connect.storage import transaction

    folder = Path(tempfile.mkdtemp(prefix="bench-ssh-admission-"))
    config = folder / "plugins.toml"
    config.write_text(f"[ssh]\nmax_anonymous_sessions = {ANONYMOUS}\nmax_anonymous_per_address = {PER_ADDRESS}\n"
                      "connections_per_minute = 1000\n")
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    environ = {"IMMO_CONNECT_DATA_DIR": str(folder / "data")}
    settings = load_settings(config, environ=environ, database_url=url)
    platform = create_platform(settings, environ=environ, load_entrypoints=False, source="bench")
    account_check(platform, folder)

    with transaction():
        anne = Account.create(username="anne", email="anne@example.be", first_name="Anne", last_name="Peeters",
                              status="active", created_at=utcnow(), eid_linked_at=utcnow())
    key = asyncssh.generate_private_key("ssh-ed25519")
    platform.ssh_keys.add_key(anne, key.export_public_key().decode())
    platform.database.close()

    env = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    env.update(IMMO_CONNECT_DATA_DIR=str(folder / "data"), IMMO_CONNECT_CONFIG=str(config),
               IMMO_CONNECT_DATABASE_URL=url)
    servers = [subprocess.Popen([sys.executable, "-m", "immo_connect", "--lang", "en", "serve", "--listen", "127.0.0.1:0"],
                                env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        ports = []
        for server in servers:
            assert server.stdout is not None
            for line in server.stdout:
                if line.startswith("Listening on "):
                    ports.append(int(line.strip().rsplit(":", 1)[1]))
                    break
        asyncio.run(sign_in_under_flood(ports, key))
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
