"""A throwaway PostgreSQL cluster made with the installed server binaries.

initdb and pg_ctl run in a temporary folder and the server listens on a unix socket only,
so nothing outside the test run is touched. PostgreSQL refuses to run as root: as root, the
cluster belongs to the unprivileged user ``nobody``.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path


def _bindir() -> Path:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise RuntimeError("PostgreSQL server binaries not found: run `make test` (it installs the postgresql package)")


class PostgresCluster:
    def __init__(self) -> None:
        self.bindir = _bindir()
        self.base = Path(tempfile.mkdtemp(prefix="immo-pg-"))
        self.data = self.base / "data"
        self.socket_dir = self.base / "socket"
        self._user = "nobody" if os.geteuid() == 0 else None
        self._names = itertools.count(1)
        self.started = False

    def _run(self, *args: str) -> None:
        subprocess.run(
            [str(self.bindir / args[0]), *args[1:]], check=True, user=self._user,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.base,
        )

    def start(self) -> PostgresCluster:
        self.socket_dir.mkdir()
        os.chmod(self.base, 0o755)
        if self._user:
            uid = pwd.getpwnam(self._user).pw_uid
            for path in (self.base, self.socket_dir):
                os.chown(path, uid, -1)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C")
        options = (
            f"-k {self.socket_dir} -c listen_addresses='' -c fsync=off -c full_page_writes=off "
            "-c synchronous_commit=off -c max_connections=100"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.base / "server.log"), "-w", "start")
        self.started = True
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def create_database(self, prefix: str = "test") -> str:
        """A new empty database; returns its URL."""
        import psycopg2

        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        connection = psycopg2.connect(dbname="postgres", user="postgres", host=str(self.socket_dir))
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return self.url(name)

    def stop(self) -> None:
        if self.started:
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            finally:
                self.started = False
        shutil.rmtree(self.base, ignore_errors=True)
