"""``immo-connect worker``: deliver the mail outbox and the tools' logout notices, in a loop or once."""

from __future__ import annotations

import argparse
import signal
import threading
import time
from types import FrameType

from immo_connect.cli._common import platform_from
from immo_connect.errors import ValidationError
from immo_connect.i18n import _
from immo_connect.oidc import logout


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "worker", help=_("deliver queued mails and the tools' logout notices (runs until stopped; --once for one pass)"),
        description=_("Deliver the mail outbox and the back-channel logout notices owed to web tools. Any number of workers may run at once, on one "
                    "or several machines sharing the database; each mail is sent by one of them."),
    )
    parser.add_argument("--once", action="store_true", help=_("deliver what is due now, then exit"))
    parser.add_argument("--interval", type=float, metavar="SECONDS",
                        help=_("pause between polls (default: [mail] poll_seconds)"))
    parser.add_argument("--batch", type=int, default=20, help=_("mails claimed at a time (default 20)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.batch < 1 or (args.interval is not None and args.interval <= 0):
        raise ValidationError("--batch and --interval must be positive.", hint="Give positive numbers.")
    platform = platform_from(args, source="worker", service=True)
    outbox = platform.outbox
    interval = platform.settings.mail.poll_seconds if args.interval is None else args.interval
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()  # the batch in progress is finished and recorded first

    # Signals reach only the main thread; elsewhere (a test, an embedding) the loop runs as is.
    in_main = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)} if in_main else {}
    totals = {"sent": 0, "retried": 0, "abandoned": 0}
    next_cleanup = 0.0
    try:
        if not args.once:
            print(_("Delivering mails every {interval} s with {transport}; stop with Ctrl+C.").format(
                interval=f"{interval:g}", transport=platform.settings.mail.transport), flush=True)
        while not stop.is_set():
            if time.monotonic() >= next_cleanup:
                outbox.erase_old_bodies()  # at start, then hourly
                next_cleanup = time.monotonic() + 3600
            report = outbox.deliver_all_due(args.batch, should_stop=stop.is_set)
            logouts = logout.deliver_all_due(platform, args.batch)  # back-channel logout notices owed to tools
            if logouts.claimed and not args.once:
                print(_("logout notices: delivered {delivered}, to retry {retried}, abandoned {abandoned}").format(
                    delivered=logouts.delivered, retried=logouts.retried, abandoned=logouts.abandoned), flush=True)
            for key in totals:
                totals[key] += getattr(report, key)
            if report.claimed and not args.once:
                print(_("sent {sent}, to retry {retried}, abandoned {abandoned}").format(
                    sent=report.sent, retried=report.retried, abandoned=report.abandoned), flush=True)
            if args.once:
                break
            stop.wait(interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        platform.database.close()
    print(_("Worker stopped: {sent} sent, {retried} to retry, {abandoned} abandoned.").format(**totals), flush=True)
    return 0
