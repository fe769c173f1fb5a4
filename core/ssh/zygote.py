"""The warm parent of the session processes (``python -m immo_connect.ssh.zygote``).

Started by the SSH server (see :mod:`immo_connect.ssh.prefork`), it imports once what every
session needs (Textual, the app and its screens, the plugins, the French catalog, the
password list, Babel's locale data), freezes that heap (``gc.freeze()``: the collector never touches those pages
again, so the sessions keep sharing them copy-on-write) and then forks one process per
session on request.

What a session must never inherit, and how that is guaranteed:

- **threads and event loops**: this process never starts either (it serves requests with
  blocking calls on one socket); before each fork :func:`fork_hazards` checks that only the
  main thread runs and no asyncio loop exists, and the zygote stops instead of forking when
  one does (the server then starts a fresh one, or spawns sessions the old way);
- **a database connection**: the zygote never opens the database (the model proxy stays
  unbound, also checked before each fork); each session opens its own connection when it
  builds its platform, from the launch document, as a spawned session does;
- **random state**: the ``random`` module is reseeded from ``os.urandom`` in every session
  (Python does it too, this does not rely on it); secrets (session tokens, codes) come from
  ``secrets``/``os.urandom``, which the kernel keeps distinct per process;
- **environment-derived settings**: the session's environment (the allow-list of
  :mod:`immo_connect.ssh.environment`) replaces the zygote's, and ``textual.constants``,
  read from the environment at import, is read again.

Each session is forked twice (the intermediate exits at once) so that it becomes a child of
the SSH server, a sub-reaper: the server waits for it, signals its process group and learns
its exit status exactly as for a spawned process, and a zygote that crashes or is replaced
takes no live session with it. The intermediate also writes its own pid and the session's
to a pipe of the server's before this zygote answers, so a zygote that dies between the fork
and its answer leaves no session the server does not know (``prefork.py`` ends it).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import pkgutil
import random
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

CONTROL_FD_VARIABLE = "IMMO_CONNECT_SSH_ZYGOTE_FD"
DEFAULT_ENTRY = "immo_connect.ssh.child:main"
MAX_REQUEST_BYTES = 128 * 1024
# The pty slave, the launch pipe (read end), the status pipe (write end), and the fork
# report pipe (write end): the intermediate writes the pids there for the server itself, so
# the server knows what was forked even when this zygote dies before answering.
FDS_PER_REQUEST = 4
READY = b"ready"
# Imported by every session once it runs (sign-in, home, wallet): loaded here, they are shared.
SESSION_MODULES = (
    "immo_connect.platform", "immo_connect.log", "logging.handlers", "concurrent.futures.thread",
    "immo_connect.ssh.identity", "immo_connect.mail", "immo_connect.accounts.service",
    "immo_connect.accounts.login", "immo_connect.accounts.ratelimit", "immo_connect.accounts.sessions",
    "immo_connect.organisations.service", "immo_connect.tools.service", "immo_connect.wallet.service",
    "immo_connect.recognitions.service", "immo_connect.payments.service", "immo_connect.ssh.keys",
    "immo_connect.ssh.sessions", "textual.layouts.factory", "textual.layouts.horizontal",
    "textual.layouts.stream", "textual.scrollbar", "textual.pilot", "bcrypt",
    "cryptography.hazmat.primitives.ciphers.aead", "immo_connect.operators.service",
)


def warm(config: str | None) -> None:
    """Import and load once what every session uses; nothing here opens the database."""
    from immo_connect import i18n
    from immo_connect.accounts.passwords import common_passwords
    from immo_connect.config import config_folder, load_settings
    from immo_connect.plugin_host import create_plugin_host

    importlib.import_module("immo_connect.tui.remote")  # Textual, the app, its widgets
    importlib.import_module("textual.drivers.linux_driver")
    screens = importlib.import_module("immo_connect.tui.screens")
    for module in pkgutil.walk_packages(screens.__path__, screens.__name__ + "."):
        importlib.import_module(module.name)
    for name in SESSION_MODULES:
        with contextlib.suppress(ImportError):  # an optional extra not installed
            importlib.import_module(name)
    settings = load_settings(config or None)
    # Imports the plugins (and their screens); each session builds its own host again.
    create_plugin_host(settings.plugin_tables, config_name=str(settings.config_path or "plugins.toml"),
                       base_dir=config_folder(settings))
    i18n.catalog(settings.language)
    common_passwords()
    from rich.cells import cell_len

    cell_len("Agence Léopold — 10 €")  # loads the Unicode width table (large) at the first accent
    _load_locale_data()


def _load_locale_data() -> None:
    """Babel and the CLDR data of every language, loaded at the first amount or date a screen shows."""
    import datetime as dt

    from immo_connect import formatting

    moment = dt.datetime(2026, 3, 5, 14, 30)
    for language in formatting.LOCALES:
        formatting.money(123_456, language=language)
        formatting.amount(123_456, language=language)
        formatting.date(moment.date(), language=language)
        formatting.date_time(moment, language=language)
        formatting.long_date(moment.date(), language=language)


def fork_hazards() -> list[str]:
    """What a fork would hand to a session that it must not have (empty: safe to fork)."""
    import asyncio

    from immo_connect.storage import database

    hazards = []
    if threading.active_count() != 1:
        hazards.append(f"{threading.active_count()} threads")
    if asyncio.events._get_running_loop() is not None:
        hazards.append("a running event loop")
    policy_loop = getattr(getattr(asyncio.get_event_loop_policy(), "_local", None), "_loop", None)
    if policy_loop is not None:
        hazards.append("an event loop")
    if database.obj is not None:
        hazards.append("a database")
    return hazards


def reset_in_session(env: dict[str, str]) -> None:
    """In a new session: its own environment, random state and environment-derived constants."""
    os.environ.clear()
    os.environ.update(env)
    random.seed()  # from os.urandom
    import textual.constants

    importlib.reload(textual.constants)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_DFL)


def _close_inherited(keep: set[int]) -> None:
    """Close every descriptor of the zygote except ``keep`` (the session's own)."""
    try:
        inherited = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        inherited = list(range(3, 1024))
    for fd in inherited:
        if fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _become_session(request: dict[str, Any], fds: list[int], entry: Callable[[], int]) -> None:
    """The session process: take the pty, the environment, then run ``entry``; never returns."""
    code = 1
    try:
        slave, launch_fd, status_fd = fds[:3]
        os.setsid()
        for target in (0, 1, 2):
            os.dup2(slave, target)
        _close_inherited({0, 1, 2, launch_fd, status_fd})
        env = {str(k): str(v) for k, v in request["env"].items()}
        env["IMMO_CONNECT_SSH_LAUNCH_FD"] = str(launch_fd)
        env["IMMO_CONNECT_SSH_STATUS_FD"] = str(status_fd)
        reset_in_session(env)
        os.chdir(request.get("cwd") or "/")
        code = int(entry() or 0)
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except BaseException:  # noqa: BLE001 - a bug: on the session's own screen, never in the zygote
        import traceback

        traceback.print_exc()
    finally:
        import logging

        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # the pty may be gone
                stream.flush()
        os._exit(code)


def fork_session(request: dict[str, Any], fds: list[int], entry: Callable[[], int]) -> int:
    """Fork one session (through a short-lived intermediate); its process id."""
    hazards = fork_hazards()
    if hazards:
        raise RuntimeError("not safe to fork: " + ", ".join(hazards))
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    read_end, write_end = os.pipe()
    intermediate = os.fork()
    if intermediate == 0:  # the intermediate: fork the session, tell its pid, leave
        try:
            os.close(read_end)
            session = os.fork()
            if session == 0:
                os.close(write_end)
                _become_session(request, fds, entry)
            os.write(fds[3], f"{os.getpid()} {session}".encode())  # first: the server's own record
            os.write(write_end, str(session).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        answer = pipe.read()
    os.waitpid(intermediate, 0)
    if not answer:
        raise RuntimeError("the session could not be forked")
    return int(answer)


def serve(control: socket.socket, entry: Callable[[], int]) -> None:
    """Answer fork requests until the server closes its end."""
    while True:
        try:
            message, fds, _flags, _address = socket.recv_fds(control, MAX_REQUEST_BYTES, FDS_PER_REQUEST)
        except (ConnectionError, OSError):
            return
        if not message:
            return  # the server is gone or replaced this zygote
        reply: dict[str, Any] = {}
        try:
            request = json.loads(message)
            reply["id"] = request.get("id")
            if len(fds) != FDS_PER_REQUEST:
                raise ValueError(f"expected {FDS_PER_REQUEST} descriptors, got {len(fds)}")
            reply["pid"] = fork_session(request, fds, entry)
        except Exception as error:  # noqa: BLE001 - told to the server, which spawns instead
            reply["error"] = f"{type(error).__name__}: {error}"
        finally:
            for fd in fds:
                os.close(fd)
        control.sendall(json.dumps(reply).encode())
        if "error" in reply and reply["error"].startswith("RuntimeError: not safe to fork"):
            return  # never fork from a tainted heap again: the server starts a new zygote


def _end_with_parent() -> None:
    """SIGTERM to this process when the server ends, even killed (PR_SET_PDEATHSIG, Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    if os.getppid() == 1:  # the server already ended
        raise SystemExit(0)


def _entry(name: str) -> Callable[[], int]:
    module, _, function = name.partition(":")
    imported = importlib.import_module(module)
    entry: Callable[[], int] = getattr(imported, function or "main")
    return entry


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m immo_connect.ssh.zygote")
    parser.add_argument("--config", default="")
    parser.add_argument("--entry", default=DEFAULT_ENTRY)
    args = parser.parse_args(argv)
    fd = int(os.environ.pop(CONTROL_FD_VARIABLE, "-1"))
    if fd < 0:
        raise SystemExit("immo_connect.ssh.zygote is started by `immo-connect serve`, not by hand.")
    _end_with_parent()
    # Ctrl-C on a server run in a terminal reaches its whole group: the server decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    control = socket.socket(fileno=fd)
    entry = _entry(args.entry)
    warm(args.config)
    gc.collect()
    gc.freeze()  # what is here now stays shared with every session
    hazards = fork_hazards()
    if hazards:
        raise SystemExit("the session zygote cannot fork safely: " + ", ".join(hazards))
    control.sendall(READY)
    serve(control, entry)
    return 0


if __name__ == "__main__":
    sys.exit(main())
