"""A private pcscd with the vpcd virtual reader, for tests, benches and development.

Everything is private: a temporary folder holds the reader configuration (``pcscd -c``) and
the daemon's socket, and the vpcd port is one the kernel just gave out. pcscd 1.9.9 (Debian
12) always creates its socket as ``/run/pcscd/pcscd.comm`` and ignores
``PCSCLITE_CSOCK_NAME`` (only the client library reads it), so the daemon runs in its own
mount namespace where the private folder is mounted on ``/run/pcscd``; clients find it
through ``PCSCLITE_CSOCK_NAME``, which must be set before the process's first PC/SC call
(the client library remembers the name). Without namespaces (no ``unshare`` permission)
the daemon falls back to the shared ``/run/pcscd``, after removing a stale socket left by a
killed daemon. :meth:`PrivatePcscd.stop` always runs, also at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYSTEM_SOCKET_DIR = Path("/run/pcscd")
VPCD_DRIVERS = (
    "/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
    "/usr/lib64/pcsc/drivers/serial/libifdvpcd.so",
    "/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so",
)


# Run a command so that it gets SIGTERM when its parent dies, even by SIGKILL (Linux
# prctl PR_SET_PDEATHSIG survives exec): a killed test run leaves no daemon behind.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "if sys.platform.startswith('linux'):\n"
    "    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)\n"
    "    if os.getppid() == 1:\n"
    "        sys.exit(1)\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)


class PcscdUnavailable(RuntimeError):
    """pcscd or the vpcd driver is missing, or the daemon did not start."""


def _free_port_pair() -> int:
    """A port P such that P and P+1 are free (vpcd opens one port per virtual reader)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("", 0))
            port = first.getsockname()[1]
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("", port + 1))
                except OSError:
                    continue
                return int(port)
    raise PcscdUnavailable("no pair of free TCP ports for vpcd")


def _socket_alive(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _clean_stale(directory: Path) -> None:
    """Remove the socket and pid file of a daemon that no longer runs."""
    comm = directory / "pcscd.comm"
    if comm.exists() and not _socket_alive(comm):
        comm.unlink(missing_ok=True)
        (directory / "pcscd.pid").unlink(missing_ok=True)


def _sweep_stale_folders(older_than: float = 600.0) -> None:
    """Remove the folders of private daemons that died without cleaning up (a killed run)."""
    now = time.time()
    for folder in Path(tempfile.gettempdir()).glob("immo-pcscd-*"):
        try:
            if now - folder.stat().st_mtime < older_than:
                continue  # maybe another test process is starting its daemon right now
            comm = folder / "run" / "pcscd.comm"
            if comm.exists() and _socket_alive(comm):
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _namespace_prefix() -> list[str] | None:
    """The ``unshare`` command giving the daemon a private /run/pcscd, or None if not allowed."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    prefix = [unshare, "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        prefix.insert(1, "--map-root-user")
    with contextlib.suppress(OSError):
        SYSTEM_SOCKET_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="immo-pcscd-probe-") as probe:
        command = [*prefix, "sh", "-c", f"mount --bind {probe} {SYSTEM_SOCKET_DIR}"]
        result = subprocess.run(command, capture_output=True, check=False, timeout=10)
    return prefix if result.returncode == 0 else None


class PrivatePcscd:
    """``with PrivatePcscd() as pcscd: ...`` starts pcscd + vpcd; ``pcscd.port`` is the vicc port."""

    def __init__(self, *, debug: bool = False) -> None:
        self.debug = debug
        self.base: Path | None = None
        self.port = 0
        self.socket_path = SYSTEM_SOCKET_DIR / "pcscd.comm"
        self.private = False
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def reader_name(self) -> str:
        return "Virtual PCD 00 00"

    def environ(self) -> dict[str, str]:
        """The environment a PC/SC client needs to talk to this daemon."""
        return {"PCSCLITE_CSOCK_NAME": str(self.socket_path)}

    def start(self, *, timeout: float = 15.0) -> PrivatePcscd:
        pcscd = shutil.which("pcscd") or ("/usr/sbin/pcscd" if Path("/usr/sbin/pcscd").exists() else None)
        driver = next((d for d in VPCD_DRIVERS if Path(d).exists()), None)
        if pcscd is None or driver is None:
            raise PcscdUnavailable("pcscd and vsmartcard-vpcd are needed (apt-get install pcscd vsmartcard-vpcd)")
        _sweep_stale_folders()
        self.base = Path(tempfile.mkdtemp(prefix="immo-pcscd-"))
        config = self.base / "reader.conf.d"
        run = self.base / "run"
        config.mkdir()
        run.mkdir()
        self.port = _free_port_pair()
        (config / "vpcd").write_text(
            f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:0x{self.port:04X}\n'
            f"LIBPATH      {driver}\nCHANNELID    0x{self.port:04X}\n"
        )
        daemon = [sys.executable, "-c", _DIE_WITH_PARENT, pcscd, "--foreground", "--config", str(config)]
        daemon += ["--debug", "--apdu"] if self.debug else []
        prefix = _namespace_prefix()
        if prefix is not None:
            self.private = True
            self.socket_path = run / "pcscd.comm"
            _clean_stale(run)
            command = [*prefix, "sh", "-c", f'mount --bind "$0" {SYSTEM_SOCKET_DIR} && exec "$@"', str(run), *daemon]
        else:
            _clean_stale(SYSTEM_SOCKET_DIR)
            if (SYSTEM_SOCKET_DIR / "pcscd.comm").exists():
                raise PcscdUnavailable("another pcscd runs on /run/pcscd and no private namespace is allowed")
            command = daemon
        log_file = (self.base / "pcscd.log").open("wb")
        self.process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        log_file.close()
        atexit.register(self.stop)
        self._wait_until_ready(timeout)
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                log = self.log()
                self.stop()
                raise PcscdUnavailable(f"pcscd exited at start: {log[-800:]}")
            if self.socket_path.exists() and _socket_alive(self.socket_path):
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                        return
            time.sleep(0.05)
        self.stop()
        raise PcscdUnavailable("pcscd did not become ready in time")

    def log(self) -> str:
        if self.base is None or not (self.base / "pcscd.log").exists():
            return ""
        return (self.base / "pcscd.log").read_text(errors="replace")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        if not self.private:
            _clean_stale(SYSTEM_SOCKET_DIR)
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None
        atexit.unregister(self.stop)

    def __enter__(self) -> PrivatePcscd:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
