"""Mail through the outbox against sending the same mails straight to the SMTP server.

Measured: enqueue N mails (one transaction each, as services do), then one worker delivers
them (claim, seal/unseal, send, record each outcome) to a local aiosmtpd server. Baseline:
aiosmtplib sends the same N MIME messages over one connection to the same server, with no
database at all. The ratio is the price of the outbox's guarantees (nothing lost, nothing
sent twice). Goal: at most 2x on SQLite.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from _common import interleave, report, timed  # noqa: E402

from immo_connect.config import load_settings  # noqa: E402
from immo_connect.mail import enqueue  # noqa: E402
from immo_connect.mail._transport import SmtpTransport  # noqa: E402
from immo_connect.platform import create_platform  # noqa: E402
from immo_connect.storage import transaction  # noqa: E402
from tests.support.smtp import SmtpServer  # noqa: E402

MAILS = 200


def main() -> None:
    server = SmtpServer().start()
    folder = Path(tempfile.mkdtemp(prefix="immo-bench-mail-"))
    (folder / "plugins.toml").write_text(server.config_text())
    environ = {"IMMO_CONNECT_DATA_DIR": str(folder / "data")}
    settings = load_settings(folder / "plugins.toml", environ=environ,
                             database_url=f"sqlite:///{folder / 'bench.sqlite3'}")
    platform = create_platform(settings, environ=environ, load_entrypoints=False)
    outbox = platform.outbox
    rounds = iter(range(10**6))

    def through_outbox() -> float:
        n = next(rounds)

        def run() -> None:
            for i in range(MAILS):
                with transaction():
                    enqueue(to=f"user{i}@example.be", template="transport_check", key=f"bench:{n}:{i}",
                            context={"address": f"user{i}@example.be", "transport": "K7P2QX"})
            result = outbox.deliver_all_due(limit=50)
            assert result.sent == MAILS, result

        return timed(run)

    # The baseline sends MIME messages built once from real outbox rows (rendering excluded).
    with transaction():
        for i in range(MAILS):
            enqueue(to=f"user{i}@example.be", template="transport_check", key=f"mime:{i}",
                    context={"address": f"user{i}@example.be", "transport": "K7P2QX"})
    mimes = [outbox.mime(m) for m in outbox.pending(limit=MAILS)]
    platform.database.execute_sql("DELETE FROM outbox_message")
    direct = SmtpTransport(platform.settings.mail)

    def straight_to_smtp() -> float:
        return timed(lambda: direct.send(mimes))

    through_outbox()  # warm-up: imports, caches, first connection
    baseline, measured = interleave(straight_to_smtp, through_outbox, rounds=5)
    server.stop()
    report(f"{MAILS} mails via outbox+worker vs straight aiosmtplib, SQLite", baseline, measured, goal="<= 2x")
    per_second = MAILS / sorted(measured)[len(measured) // 2]
    print(f"  outbox throughput: {per_second:.0f} mails/s (enqueue + delivery, one worker)")


if __name__ == "__main__":
    main()
