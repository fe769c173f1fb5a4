"""Ending a session from outside the screen: a blocked account, the time on the sign-in screen.

The embedded server does this for its sessions (:mod:`immo_connect.ssh.server`). Under a
stock sshd the forced command *is* the session, so :class:`SessionWatch` does it from a
thread of that process: it follows who is signed in (the status reports of the remote app),
asks the database every ``[ssh] account_check_seconds`` whether that account was blocked or
deleted, and ends a session that stayed on the sign-in screen for
``sign_in_timeout_seconds``. It then restores the terminal, writes one sentence and ends
the process with a hang-up, as the embedded server ends its session processes; sshd then
closes the connection.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from typing import Any

from immo_connect.config import SshSection
from immo_connect.i18n import _

log = logging.getLogger("immo_connect.ssh")

def closing_notice(reason: str, ssh: SshSection) -> str | None:
    """The sentence a person reads when their session is closed for ``reason`` (None: no sentence)."""
    if reason == "sign_in_timeout":
        return _("Session closed: nobody signed in within {seconds} seconds.").format(
            seconds=f"{ssh.sign_in_timeout_seconds:g}")
    if reason == "account_blocked":
        return _("Your account has been blocked: session closed.")
    if reason == "account_deleted":
        return _("Your account has been deleted: session closed.")
    return None


def account_status(account_id: int) -> str | None:
    from immo_connect.accounts.models import Account

    status = Account.select(Account.status).where(Account.id == account_id).scalar()
    return None if status is None else str(status)


class SessionWatch:
    """A daemon thread that ends this process when its session must close (forced command)."""

    def __init__(self, ssh: SshSection, *, terminal_fd: int = 1) -> None:
        self.ssh = ssh
        self.terminal_fd = terminal_fd
        self.account_id: int | None = None
        # Who signed in last, still watched after a sign-out (the app may notice a block
        # first and go back to the sign-in screen): the person at this terminal.
        self.watched_account: int | None = None
        self.anonymous_since = time.monotonic()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="immo-ssh-watch", daemon=True)

    def report(self, event: str, **fields: Any) -> None:
        """The remote app's status reports: who signed in or out."""
        if event == "signed_in" and isinstance(fields.get("account_id"), int):
            self.account_id = self.watched_account = int(fields["account_id"])
        elif event == "signed_out":
            self.account_id = None
            self.anonymous_since = time.monotonic()  # back on the sign-in screen: its time limit again

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def reason_to_close(self) -> str | None:
        if self.account_id is None and time.monotonic() - self.anonymous_since >= self.ssh.sign_in_timeout_seconds:
            return "sign_in_timeout"
        if self.watched_account is None:
            return None
        from immo_connect.ssh.sessions import CLOSED_STATUSES

        status = account_status(self.watched_account)
        return "account_" + status if status in CLOSED_STATUSES else None

    def _next_wait(self) -> float:
        interval = self.ssh.account_check_seconds
        if self.account_id is None:
            left = self.anonymous_since + self.ssh.sign_in_timeout_seconds - time.monotonic()
            return max(0.05, min(interval, left))
        return interval

    def _run(self) -> None:
        while not self._stopped.wait(self._next_wait()):
            try:
                reason = self.reason_to_close()
            except Exception:  # a database hiccup must not end the session
                log.exception("session watch failed")
                continue
            if reason is not None:
                self._close(reason)
                return

    def _close(self, reason: str) -> None:
        from immo_connect.ssh.terminal import TERMINAL_RESET

        log.info("forced-command session closed: %s", reason)
        text = closing_notice(reason, self.ssh) or ""
        with contextlib.suppress(OSError):
            os.write(self.terminal_fd, TERMINAL_RESET + ("\r\n" + text + "\r\n").encode())
        # Default disposition (see child.prepare_terminal): the process ends at once, and
        # sshd closes the connection, as when the client hangs up.
        os.kill(os.getpid(), signal.SIGHUP)
