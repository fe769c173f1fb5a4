"""Serving over SSH at scale: memory, time to the first screen, many sign-ins at once, the database.

Each figure is a ratio against a baseline measured in the same run:

1. Connect-to-first-screen: an asyncssh client connects to ``immo-connect serve`` on
   loopback (no key: the sign-in screen) and waits until the sign-in title is in its pty
   output; the baseline is a local cold start of the same UI (``immo-connect run``) on a pty
   of the same size, timed from spawning to the same text. Interleaved rounds, medians.
   Goal: at most 0.4.
2. Memory per session with 20 and with 200 concurrent sessions signed in by key, each on its
   home screen: the proportional set size (PSS, /proc/PID/smaps_rollup: shared pages split
   between the processes sharing them) of all session processes plus the zygote, divided by
   the number of sessions; the baseline is the resident memory (RSS) of one local UI
   process. Goal: at most 0.35.
3. 200 sessions at once, each signing in by key and opening the wallet page (its area key,
   4): the slowest session's time from connecting to the wallet page, against one session
   alone. Goal: at most 3, no failed session. A failed session is printed with the step it
   was waiting for and the end of what its screen showed.
4. PostgreSQL: wallet charges per second from 1, 2 and 4 worker processes through
   ``platform.wallet.charge``, each worker on its own organisation's wallet (N against 1:
   goal at least 0.8 × N up to the cores), and against raw psycopg2 doing the same
   conditional UPDATE and INSERT per charge (goal at least 0.5). The CPU time of the workers
   (in their timed loop) and of the PostgreSQL server (its processes, ended backends
   included) over the same seconds is printed per charge and as cores kept busy.

``--sessions N`` changes the 200 (``--quick``: 40); ``--only PARTS`` runs only the listed
parts, comma-separated (``first``, ``memory``, ``burst``, ``db``; ``--only-db`` is ``--only db``),
so that each can run alone on a busy machine. After the SSH parts the server is sent SIGTERM
and the time it takes to stop is printed, with any session process it left behind. The
machine is printed first (cores, memory, load) so the figures can be put in context.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncssh
from _common import report

SIGN_IN_TITLE = "Se connecter à Immo-Connect"
HOME = "Bonjour Bench"
WALLET_PAGE = "Recharger solde"  # the wallet page's own key in the footer
ROUNDS = 7
_QUICK = "--quick" in sys.argv
MANY = int(sys.argv[sys.argv.index("--sessions") + 1]) if "--sessions" in sys.argv else (40 if _QUICK else 200)
FIRST = min(20, MANY)
CHARGE_SECONDS = 2.0 if _QUICK else 4.0
_ESCAPE = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[PX^_\]].*?(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
WALLET_KEY = b"4"  # the key of the wallet area, from any screen of the frame
QUALITY = "◆ Agence"  # the frame's quality in the header, filled in after the home screen shows
PARTS = ("first", "memory", "burst", "db")
ONLY = (sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv
        else ["db"] if "--only-db" in sys.argv else list(PARTS))


def plain(data: bytes) -> str:
    return _ESCAPE.sub(b"", data).decode("utf-8", "replace")


def machine() -> str:
    memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    load = Path("/proc/loadavg").read_text().split()[:3]
    return (f"machine: {os.cpu_count()} cores, {int(memory.split()[1]) / 1024**2:.1f} GiB, "
            f"load {' '.join(load)} (1, 5, 15 min) at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pss_kib(pid: int) -> int:
    """Proportional set size: private pages, plus shared pages divided by their sharers."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def _stat(pid: str) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def server_children(server_pid: int) -> tuple[list[int], list[int]]:
    """(session processes, zygotes) of the server: sessions lead their own session."""
    sessions, zygotes = [], []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = _stat(entry)
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) != server_pid or stat[0] == "Z" or b"immo_connect.ssh." not in cmdline:
            continue
        (sessions if int(stat[3]) == int(entry) else zygotes).append(int(entry))
    return sessions, zygotes


# -- 1. the first screen ----------------------------------------------------------------------


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
        while SIGN_IN_TITLE not in plain(data):
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


class Session:
    """One asyncssh client with a pty, collecting what the session shows."""

    def __init__(self, conn: asyncssh.SSHClientConnection, process: asyncssh.SSHClientProcess[bytes]) -> None:
        self.conn, self.process, self.data = conn, process, b""

    @classmethod
    async def open(cls, port: int, key: asyncssh.SSHKey | None = None) -> Session:
        conn = await asyncssh.connect(
            "127.0.0.1", port, username="bench", known_hosts=None, agent_path=None,
            client_keys=[key] if key else None, client_factory=None if key else LoginScreenClient,
            preferred_auth="publickey" if key else "keyboard-interactive")
        process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30), encoding=None)
        return cls(conn, process)

    async def wait_for(self, text: str, timeout: float = 300.0) -> None:
        async def read() -> None:
            while text not in plain(self.data):
                chunk = await self.process.stdout.read(65536)
                if not chunk:
                    raise RuntimeError(f"the session ended before showing {text!r}")
                self.data += chunk

        await asyncio.wait_for(read(), timeout)

    async def drain(self) -> None:
        """Keep reading (a client that stops reading would slow its session down)."""
        try:
            while await self.process.stdout.read(65536):
                pass
        except (asyncssh.Error, ConnectionError):
            pass

    def close(self) -> None:
        self.conn.close()


async def first_screen(env: dict[str, str], port: int) -> list[float]:
    local_times, ssh_times, local_rss = [], [], []
    for _ in range(ROUNDS):
        seconds, rss = local_start(env)
        local_times.append(seconds)
        local_rss.append(rss / 1024)
        start = time.perf_counter()
        session = await Session.open(port)
        await session.wait_for(SIGN_IN_TITLE)
        ssh_times.append(time.perf_counter() - start)
        session.close()
        await asyncio.sleep(0.3)
    report("SSH connect to first screen (asyncssh client vs local cold start of the same UI)", local_times,
           ssh_times, goal="<= 0.4")
    return local_rss


# -- 2. memory --------------------------------------------------------------------------------


async def open_home(port: int, key: asyncssh.SSHKey) -> Session:
    session = await Session.open(port, key)
    await session.wait_for(HOME)
    return session


async def memory(server_pid: int, port: int, keys: list[asyncssh.SSHKey], local_rss: list[float]) -> None:
    sessions: list[Session] = []
    drains: list[asyncio.Task[None]] = []
    for target in (FIRST, MANY):
        while len(sessions) < target:
            batch = keys[len(sessions):min(target, len(sessions) + 10)]
            opened = await asyncio.gather(*(open_home(port, key) for key in batch))
            sessions += opened
            drains += [asyncio.create_task(s.drain()) for s in opened]
        await asyncio.sleep(2.0)
        children, zygotes = server_children(server_pid)
        pss = [pss_kib(pid) / 1024 for pid in children]
        zygote_pss = sum(pss_kib(pid) for pid in zygotes) / 1024
        rss = [rss_kib(pid) / 1024 for pid in children]
        per_session = (sum(pss) + zygote_pss) / len(children)
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = [(int(_stat(str(pid))[11]) + int(_stat(str(pid))[12])) / ticks for pid in children]
        print(f"CPU time per session from fork to its home screen: median {statistics.median(cpu):.2f} s")
        print(f"{len(children)} signed-in sessions on their home screen: PSS {sum(pss):.0f} MiB in all "
              f"+ zygote {zygote_pss:.0f} MiB, {per_session:.1f} MiB per session; "
              f"RSS {statistics.mean(rss):.1f} MiB per session (counts shared pages again in each); "
              f"server process RSS {rss_kib(server_pid) / 1024:.0f} MiB")
        report(f"memory per session (PSS, zygote included) with {len(children)} concurrent signed-in sessions "
               "vs RSS of one local UI process", local_rss, [per_session], unit="MiB", goal="<= 0.35")
    for session in sessions:
        session.close()
    for task in drains:
        task.cancel()
    await asyncio.sleep(3.0)


# -- 3. many sign-ins at once -----------------------------------------------------------------


async def to_wallet(port: int, key: asyncssh.SSHKey) -> float:
    """Seconds from connecting (key sign-in) to the wallet page, with the wallet area's key.

    (Not by position in the user menu: under load, keys pressed while the menu fills in
    land on another entry, which measured the benchmark, not the sessions.)
    """
    start = time.perf_counter()
    session = await Session.open(port, key)
    waiting_for = HOME
    try:
        await session.wait_for(HOME)
        waiting_for = QUALITY
        await session.wait_for(QUALITY)  # the wallet area opens once the frame has its quality
        session.process.stdin.write(WALLET_KEY)
        waiting_for = WALLET_PAGE
        await session.wait_for(WALLET_PAGE)
        return time.perf_counter() - start
    except Exception as error:  # which step, and what the screen showed last
        shown = " ".join(plain(session.data).split())[-300:]
        raise RuntimeError(f"{type(error).__name__} waiting for {waiting_for!r}; last shown: {shown!r}") from error
    finally:
        session.close()


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time (user + system) of a process itself, and of its children it has collected."""
    fields = _stat(str(pid))
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks, (int(fields[13]) + int(fields[14])) / ticks


async def all_at_once(server_pid: int, port: int, keys: list[asyncssh.SSHKey]) -> None:
    alone = []
    for key in keys[:3]:
        alone.append(await to_wallet(port, key))
        await asyncio.sleep(1.0)
    await asyncio.sleep(3.0)  # the sessions above are collected
    server_before, sessions_before = cpu_seconds(server_pid)
    bench_before = sum(os.times()[:2])
    results = await asyncio.gather(*(to_wallet(port, key) for key in keys[:MANY]), return_exceptions=True)
    bench_cpu = sum(os.times()[:2]) - bench_before
    await asyncio.sleep(5.0)  # every session ended and collected by the server (its children)
    server_after, sessions_after = cpu_seconds(server_pid)
    times = [r for r in results if isinstance(r, float)]
    failures = [r for r in results if not isinstance(r, float)]
    print(f"{MANY} sessions at once to the wallet page: {len(failures)} failed"
          + "".join(f"\n  {failure}" for failure in failures)
          + (f"; median {statistics.median(times):.1f} s, slowest {max(times):.1f} s" if times else ""))
    sessions_cpu, server_cpu = sessions_after - sessions_before, server_after - server_before
    cores = os.cpu_count() or 1
    print(f"CPU for the {MANY}: session processes {sessions_cpu:.0f} s ({sessions_cpu / MANY:.2f} s each), "
          f"server process {server_cpu:.0f} s ({server_cpu / MANY:.3f} s each), the bench's {MANY} SSH clients "
          f"{bench_cpu:.0f} s; all of it on {cores} cores takes at least "
          f"{(sessions_cpu + server_cpu + bench_cpu) / cores:.0f} s, the server's part alone "
          f"{(sessions_cpu + server_cpu) / cores:.0f} s")
    report(f"slowest of {MANY} key sign-ins + wallet page at once vs one alone", alone,
           [max(times) if times else float("inf")], goal="<= 3, no failed session")


# -- 4. PostgreSQL: charges from several processes ----------------------------------------------


def charge_worker(url: str, mode: str, organisation_id: int, member_id: int, start_at: float, seconds: float) -> None:
    """One worker process: charge its organisation's wallet until time is up; print the count."""
    count = 0
    if mode == "api":
        from immo_connect.config import load_settings
        from immo_connect.platform import create_platform

        environ = {"IMMO_CONNECT_DATA_DIR": tempfile.mkdtemp(prefix="immo-bench-worker-")}
        platform = create_platform(load_settings(None, environ=environ, database_url=url), environ=environ,
                                   load_entrypoints=False, migrate=False, source="bench")
        charge = platform.wallet.charge
        charge(member_id, organisation_id, 1, tool="btv", description="Bench use",
               idempotency_key=f"bench:{os.getpid()}:warm")  # imports, statement caches, connection
        time.sleep(max(0.0, start_at - time.time()))
        cpu_start = time.process_time()
        end = time.time() + seconds
        while time.time() < end:
            charge(member_id, organisation_id, 1, tool="btv", description="Bench use",
                   idempotency_key=f"bench:{os.getpid()}:{count}")
            count += 1
    else:
        import psycopg2

        connection = psycopg2.connect(url)
        cursor = connection.cursor()
        cursor.execute("SELECT id FROM wallet WHERE organisation_id = %s", (organisation_id,))
        wallet_id = cursor.fetchone()[0]
        connection.commit()
        columns = ("wallet_id, number, kind, tool, type_key, description, amount, status, failure_reason, "
                   "balance_before, balance_after, actor_id, actor_name, reference, idempotency_key, "
                   "request_hash, created_at, completed_at, debit_account, credit_account, action, source")
        insert = f"INSERT INTO wallet_transaction ({columns}) VALUES ({', '.join(['%s'] * 22)})"
        debit = ("UPDATE wallet SET balance = balance - 1, last_number = last_number + 1 "
                 "WHERE id = %s AND balance >= 1 RETURNING balance, last_number")
        time.sleep(max(0.0, start_at - time.time()))
        cpu_start = time.process_time()
        end = time.time() + seconds
        while time.time() < end:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            cursor.execute(debit, (wallet_id,))
            balance, number = cursor.fetchone()
            cursor.execute(insert, (wallet_id, number, "tool_usage", "btv", "tool:btv", "Bench use", -1,
                                    "succeeded", "", balance + 1, balance, member_id, "bench", "",
                                    f"raw:{os.getpid()}:{count}", "0" * 64, now, now, f"wallet:{wallet_id}",
                                    "platform:tool:btv", "wallet.charge", "bench"))
            connection.commit()
            count += 1
    print(count, time.process_time() - cpu_start, flush=True)


def postgres_cpu_seconds(data_dir: Path) -> float:
    """CPU time of the PostgreSQL server: the postmaster, its live processes and the ended backends."""
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    ticks = os.sysconf("SC_CLK_TCK")
    fields = _stat(str(postmaster))
    total = sum(int(value) for value in fields[11:15])  # utime, stime, and of the collected children
    for entry in os.listdir("/proc"):
        if entry.isdigit() and entry != str(postmaster):
            with contextlib.suppress(OSError, IndexError):
                child = _stat(entry)
                if int(child[1]) == postmaster:
                    total += int(child[11]) + int(child[12])
    return total / ticks


def charges_per_second(url: str, mode: str, pairs: list[tuple[int, int]], data_dir: Path) -> tuple[float, float, float]:
    """Charges per second of the workers together; their CPU seconds and PostgreSQL's in the window."""
    start_at = time.time() + 3.0  # every worker imported and connected before the clock starts
    workers = [subprocess.Popen([sys.executable, __file__, "--charge-worker", url, mode, str(org), str(member),
                                 str(start_at), str(CHARGE_SECONDS)], stdout=subprocess.PIPE, text=True)
               for org, member in pairs]
    time.sleep(max(0.0, start_at - time.time()))
    server_before = postgres_cpu_seconds(data_dir)
    time.sleep(CHARGE_SECONDS)
    server_cpu = postgres_cpu_seconds(data_dir) - server_before
    counts = [worker.communicate()[0].split() for worker in workers]
    total = sum(int(count) for count, _cpu in counts)
    return total / CHARGE_SECONDS, sum(float(cpu) for _count, cpu in counts), server_cpu


def count_statements(platform: Any, organisation_id: int, member_id: int) -> int:
    """Statements one charge sends (each a round trip), BEGIN and COMMIT included."""
    from tests.support.round_trips import statements_sent

    with statements_sent() as sent:
        platform.wallet.charge(member_id, organisation_id, 1, tool="btv", description="Bench use",
                               idempotency_key="bench:count")
    return len(sent)


def database_scaling() -> None:
    from immo_connect.config import load_settings
    from immo_connect.platform import create_platform
    from tests.support.factories import make_account, make_organisation
    from tests.support.postgres import PostgresCluster

    cluster = PostgresCluster().start()
    try:
        url = cluster.create_database("bench")
        environ = {"IMMO_CONNECT_DATA_DIR": tempfile.mkdtemp(prefix="immo-bench-pg-")}
        platform = create_platform(load_settings(None, environ=environ, database_url=url), environ=environ,
                                   load_entrypoints=False, source="bench")
        pairs = []
        for n in range(4):
            member = make_account(f"charger{n}")
            organisation = make_organisation(member, name=f"Bench {n}")
            platform.wallet.credit(organisation.id, 10**10, kind="correction", description="Bench funds",
                                   idempotency_key=f"bench:funds:{n}")
            platform.wallet.ensure_wallet(organisation.id)
            pairs.append((int(organisation.id), int(member.id)))
        statements = count_statements(platform, *pairs[0])
        print(f"one charge through the API: {statements} round trip(s) to PostgreSQL; the raw baseline: 4 "
              "(psycopg2's implicit BEGIN, UPDATE, INSERT, COMMIT)")
        platform.database.close()
        cores = os.cpu_count() or 1
        measured: dict[tuple[str, int], list[float]] = {}
        cpu: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
        for _round in range(3):
            for workers in (1, 2, 4):
                for mode in ("raw", "api"):
                    rate, client_cpu, server_cpu = charges_per_second(url, mode, pairs[:workers], cluster.data)
                    measured.setdefault((mode, workers), []).append(rate)
                    cpu.setdefault((mode, workers), []).append((rate * CHARGE_SECONDS, client_cpu, server_cpu))
        for (mode, workers), runs in sorted(cpu.items()):
            charges = sum(run[0] for run in runs)
            client, server = sum(run[1] for run in runs), sum(run[2] for run in runs)
            seconds = CHARGE_SECONDS * len(runs)
            print(f"{mode} {workers} worker(s): CPU per charge {client / charges * 1e6:.0f} us in the workers, "
                  f"{server / charges * 1e6:.0f} us in PostgreSQL; cores busy {client / seconds:.2f} (workers) + "
                  f"{server / seconds:.2f} (PostgreSQL) of {cores}")
        for workers in (1, 2, 4):
            goal = f">= {0.8 * min(workers, cores):.1f} (0.8 x {min(workers, cores)} cores used)"
            if workers > 1:
                report(f"PostgreSQL wallet charges/s through the API, {workers} worker processes vs 1",
                       measured[("api", 1)], measured[("api", workers)], unit="charges/s", goal=goal,
                       higher_is_better=True)
            report(f"PostgreSQL wallet charges/s, {workers} worker process(es), API vs raw psycopg2 "
                   "conditional update + insert", measured[("raw", workers)], measured[("api", workers)],
                   unit="charges/s", goal=">= 0.5", higher_is_better=True)
        problems = platform.wallet.verify()
        assert not problems, problems
    finally:
        cluster.stop()


# -- running ----------------------------------------------------------------------------------


def prepare(data: Path) -> list[asyncssh.SSHKey]:
    """Accounts with a key each (eID linked: straight to the home screen), each managing an organisation."""
    from immo_connect.clock import utcnow
    from immo_connect.config import load_settings
    from immo_connect.platform import create_platform
    from tests.support.factories import make_account, make_organisation

    environ = {"IMMO_CONNECT_DATA_DIR": str(data)}
    platform = create_platform(load_settings(None, environ=environ), environ=environ, source="bench")
    keys = []
    for n in range(MANY):
        account = make_account(f"bench{n}", first_name="Bench", last_name=f"User{n}", eid_linked_at=utcnow())
        make_organisation(account, name=f"Agence {n}")
        key = asyncssh.generate_private_key("ssh-ed25519")
        platform.ssh_keys.add_key(account, key.export_public_key().decode())
        keys.append(key)
    platform.database.close()
    return keys


def main() -> None:
    print(machine(), flush=True)
    if set(ONLY) - {"db"}:
        data = Path(tempfile.mkdtemp(prefix="immo-bench-ssh-"))
        config = data / "plugins.toml"
        limit = MANY + 10
        config.write_text(f"[ssh]\nmax_sessions = {limit}\nmax_sessions_per_account = 3\n"
                          f"max_anonymous_sessions = {limit}\nmax_anonymous_per_address = {limit}\n"
                          "connections_per_minute = 100000\nfailures_per_source = 10000\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
        env.update(IMMO_CONNECT_DATA_DIR=str(data), IMMO_CONNECT_CONFIG=str(config), TERM="xterm-256color",
                   LANG="C.UTF-8", COLORTERM="truecolor", TEXTUAL_ANIMATIONS="none")
        os.environ.update(IMMO_CONNECT_DATA_DIR=str(data), IMMO_CONNECT_CONFIG=str(config))
        keys = prepare(data)
        server_log = data / "server-stderr.log"
        server = subprocess.Popen([sys.executable, "-m", "immo_connect", "--lang", "en", "serve", "--listen", "127.0.0.1:0"],
                                  env=env, stdout=subprocess.PIPE, stderr=server_log.open("w"), text=True)
        try:
            assert server.stdout is not None
            port = 0
            for line in server.stdout:
                if line.startswith("Listening on "):
                    port = int(line.strip().rsplit(":", 1)[1])
                    break
            local_start(env)  # warm the page cache and byte-code for both

            async def ssh_parts() -> None:
                if "first" in ONLY:
                    local_rss = await first_screen(env, port)
                else:
                    local_rss = [local_start(env)[1] / 1024 for _ in range(3)]
                if "memory" in ONLY:
                    await memory(server.pid, port, keys, local_rss)
                if "burst" in ONLY:
                    await all_at_once(server.pid, port, keys)

            asyncio.run(ssh_parts())
        finally:
            sessions_left = server_children(server.pid)[0]
            stopping = time.perf_counter()
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=120)
                print(f"the server stopped {time.perf_counter() - stopping:.1f} s after SIGTERM "
                      f"({len(sessions_left)} session processes were still running)")
            except subprocess.TimeoutExpired:
                print("the server did not stop within 120 s of SIGTERM")
                server.kill()
            orphans = [pid for pid in sessions_left if Path(f"/proc/{pid}").exists()
                       and _stat(str(pid))[0] != "Z"]
            print(f"session processes left running after the server: {len(orphans)}")
            for pid in orphans:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            warnings = [line.strip() for line in server_log.read_text().splitlines() if "WARNING" in line]
            print(f"server warnings: {len(warnings)}", *warnings[:5], sep="\n  ")
    if "db" in ONLY:
        database_scaling()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--charge-worker":
        url, mode, org, member, start_at, seconds = sys.argv[2:8]
        charge_worker(url, mode, int(org), int(member), float(start_at), float(seconds))
    else:
        main()
