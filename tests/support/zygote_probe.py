"""A session entry for the zygote tests: reports what the forked process inherited.

Run by ``python -m immo_connect.ssh.zygote --entry tests.support.zygote_probe:main`` in place
of the terminal UI. It reads its launch document like a session process, looks at its own
state before touching anything, then opens the database of the launch document and says
which connection it got, all as one JSON line on its status pipe.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import secrets
import sys
import threading


def main() -> int:
    from immo_connect.ssh.child import read_launch
    from immo_connect.storage import database, open_database

    launch = read_launch()
    policy_loop = getattr(getattr(asyncio.get_event_loop_policy(), "_local", None), "_loop", None)
    import textual.constants

    facts = {
        "pid": os.getpid(),
        "session_leader": os.getsid(0) == os.getpid(),
        "tty": os.isatty(0) and os.isatty(1) and os.isatty(2),
        "threads": threading.active_count(),
        "running_loop": asyncio.events._get_running_loop() is not None,
        "event_loop": policy_loop is not None,
        "database_bound": database.obj is not None,
        "frozen_objects": gc.get_freeze_count(),
        "textual_preloaded": "textual.app" in sys.modules and "immo_connect.tui.remote" in sys.modules,
        # Babel's CLDR data, loaded at the first amount or date: one parsed locale per language.
        "locales_preloaded": ("babel.dates" in sys.modules and "immo_connect.formatting" in sys.modules
                              and sys.modules["immo_connect.formatting"].locale.cache_info().currsize),
        "random": random.random(),
        "token": secrets.token_hex(16),
        "environ": dict(os.environ),
        "max_fps": textual.constants.MAX_FPS,
        "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
    }
    db = open_database(str(launch["database_url"]))
    db.connect(reuse_if_open=True)
    if db.__class__.__name__.startswith("Postgres"):
        facts["connection"] = int(db.execute_sql("SELECT pg_backend_pid()").fetchone()[0])
    else:
        facts["connection"] = f"{os.getpid()}:{id(db.connection())}"
    db.close()
    status_fd = int(os.environ["IMMO_CONNECT_SSH_STATUS_FD"])
    os.write(status_fd, (json.dumps(facts) + "\n").encode())
    return 0
