"""The process of one SSH session: ``python -m immo_connect.ssh.child`` on a pty.

The SSH server starts it (see :mod:`immo_connect.ssh.terminal`); it is not meant to be run
by hand. First it makes the pty its controlling terminal and restores default signal
handling (a server started under ``nohup`` passes SIGHUP on as ignored, and an app that
ignores the hang-up keeps spinning after its client is gone). Then it reads its launch
document from the inherited pipe, and runs the terminal UI in remote mode.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import sys
import termios
from typing import Any

# Exit status when the user failed to sign in too often in this session (the server
# reports it to the user and in the audit log).
EXIT_SIGN_IN_FAILURES = 3


def prepare_terminal() -> None:
    """Default signal dispositions, and the pty (fd 0) as controlling terminal."""
    for signum in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGTSTP):
        signal.signal(signum, signal.SIG_DFL)
    if os.isatty(0):
        with contextlib.suppress(OSError):  # already ours when started through pty.fork()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def read_launch() -> dict[str, Any]:
    """The launch document the server wrote to the inherited pipe (then closed)."""
    fd = int(os.environ.pop("IMMO_CONNECT_SSH_LAUNCH_FD", "-1"))
    if fd < 0:
        raise SystemExit("immo_connect.ssh.child is started by `immo-connect serve`, not by hand.")
    chunks = []
    with os.fdopen(fd, "rb") as pipe:
        while chunk := pipe.read(65536):
            chunks.append(chunk)
    document = json.loads(b"".join(chunks))
    if not isinstance(document, dict):
        raise SystemExit("immo_connect.ssh.child: malformed launch document")
    return document


class StatusReporter:
    """Status lines to the server: who signed in or out in this session."""

    def __init__(self) -> None:
        fd = int(os.environ.pop("IMMO_CONNECT_SSH_STATUS_FD", "-1"))
        self._pipe = os.fdopen(fd, "w", buffering=1, encoding="utf-8") if fd >= 0 else None

    def report(self, event: str, **fields: Any) -> None:
        if self._pipe is not None:
            with contextlib.suppress(OSError, ValueError):
                self._pipe.write(json.dumps({"event": event, **fields}) + "\n")


def main() -> int:
    prepare_terminal()
    launch = read_launch()
    status = StatusReporter()
    from immo_connect import i18n, log
    from immo_connect.config import load_settings
    from immo_connect.errors import ImmoConnectError

    try:
        settings = load_settings(launch.get("config") or None, database_url=launch["database_url"])
        i18n.set_language(settings.language)
        log.configure(settings.data_dir, options=settings.log)  # stderr is the user's screen
        from immo_connect.tui.remote import run_remote_app  # Textual is imported only here

        code: int = run_remote_app(settings, launch, status.report, sign_in_failures_exit=EXIT_SIGN_IN_FAILURES)
        return code
    except ImmoConnectError as error:
        print(f"\r\nImmo-Connect: {error}\r", file=sys.stderr)
        return 2
    except Exception:  # a bug: logged, one line for the user
        import logging

        logging.getLogger("immo_connect.ssh").exception("session process failed")
        print("\r\n" + i18n.gettext("Immo-Connect: unexpected error; please report it to support.") + "\r",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
