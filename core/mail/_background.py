"""Delivery inside another program's process (the TUI), in a thread of its own."""

from __future__ import annotations

import logging
import threading
import time

from immo_connect.mail._outbox import Outbox
from immo_connect.platform import Platform

log = logging.getLogger("immo_connect.mail")


class BackgroundDelivery:
    """A daemon thread that delivers due mails every ``interval`` seconds until stopped."""

    def __init__(self, outbox: Outbox, interval: float, batch: int) -> None:
        self.outbox = outbox
        self.interval = interval
        self.batch = batch
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="immo-connect-mail", daemon=True)

    def start(self) -> BackgroundDelivery:
        self._thread.start()
        return self

    def wake(self) -> None:
        """Look for due mails now (e.g. right after a service queued one)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the batch in progress, then end the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        database = self.outbox.platform.database
        next_cleanup = 0.0
        try:
            while not self._stop.is_set():
                try:
                    if time.monotonic() >= next_cleanup:
                        self.outbox.erase_old_bodies()  # at start, then hourly
                        next_cleanup = time.monotonic() + 3600
                    self.outbox.deliver_all_due(self.batch, should_stop=self._stop.is_set)
                except Exception:
                    log.exception("background mail delivery failed; retrying")
                self._wake.wait(self.interval)
                self._wake.clear()
        finally:
            if not database.is_closed():
                database.close()  # this thread's own connection


def start_background_delivery(
    platform: Platform, *, interval: float | None = None, batch: int = 20,
) -> BackgroundDelivery:
    """Start delivering the outbox in a background thread; call ``.stop()`` at exit."""
    outbox = Outbox(platform, worker=None)
    seconds = platform.settings.mail.poll_seconds if interval is None else interval
    return BackgroundDelivery(outbox, seconds, batch).start()
