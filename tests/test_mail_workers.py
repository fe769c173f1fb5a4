"""Several worker processes on one database, and the ``mail`` / ``worker`` commands."""

from __future__ import annotations

import collections
import multiprocessing
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from immo_connect import cli
from immo_connect.mail import OutboxMessage, enqueue
from immo_connect.platform import Platform
from immo_connect.storage import transaction
from tests.support.smtp import SmtpServer

Make = Callable[..., Platform]
ROOT = Path(__file__).resolve().parents[1]


def queue_many(count: int, prefix: str = "signup") -> list[str]:
    ids = []
    for i in range(count):
        with transaction():
            ids.append(enqueue(to=f"user{i}@example.be", template="transport_check", key=f"{prefix}:{i}",
                               context={"address": f"user{i}@example.be", "transport": f"C{i:05d}"}).message_id)
    return ids


def _deliver_in_child(config: str, database_url: str, data_dir: str, barrier: Any, name: str) -> None:
    """A worker process: its own platform and connection, started at the same moment as the others."""
    from immo_connect.config import load_settings
    from immo_connect.mail._outbox import Outbox
    from immo_connect.platform import create_platform

    environ = {"IMMO_CONNECT_DATA_DIR": data_dir}
    platform = create_platform(load_settings(config, environ=environ, database_url=database_url),
                               environ=environ, load_entrypoints=False, migrate=False)
    outbox = Outbox(platform, worker=name)
    barrier.wait(timeout=30)
    outbox.deliver_all_due(limit=2)
    platform.database.close()


@pytest.mark.slow
def test_worker_processes_deliver_each_mail_exactly_once(
    make_platform: Make, database_url: str, smtp_server: SmtpServer, tmp_path: Path,
) -> None:
    platform = make_platform(database_url, config_text=smtp_server.config_text())
    ids = queue_many(30)
    platform.database.close()
    smtp_server.delay = 0.01  # each mail takes a moment, so the workers overlap
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    processes = [
        context.Process(target=_deliver_in_child, args=(
            str(tmp_path / "plugins.toml"), database_url, str(tmp_path / "data"), barrier, f"worker-{n}"))
        for n in range(3)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    received = collections.Counter(r.message["Message-ID"] for r in smtp_server.messages)
    assert received == collections.Counter(ids)  # every mail once, none twice
    rows = list(OutboxMessage.select())
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}
    workers = {r.claimed_by.split("#")[0] for r in rows}
    assert len(workers) >= 2, workers  # the work was really shared
    batches = collections.Counter(r.claimed_by for r in rows)  # one claim token per batch
    assert max(batches.values()) <= 2  # no claim took more than its limit


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def cli_args(make_platform: Make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Global options that make the command use the test's database, config and data dir."""
    make_platform()
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    return ["--lang", "en", "--config", str(tmp_path / "plugins.toml"), "--database-url", f"sqlite:///{tmp_path / 'immo.sqlite3'}"]


def test_mail_command_lists_shows_and_filters(cli_args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    queue_many(2)
    code, out = run_cli(capsys, *cli_args, "mail")
    assert code == 0
    assert "Outbox: 2 pending, 0 sent, 0 abandoned" in out
    assert "user0@example.be" in out and "user1@example.be" in out and "PENDING" in out
    code, out = run_cli(capsys, *cli_args, "mail", "--to", "user1@example.be")
    assert "user1@example.be" in out and "user0@example.be" not in out
    code, out = run_cli(capsys, *cli_args, "mail", "--to", "nobody@example.be")
    assert "No mails to nobody@example.be." in out
    first = OutboxMessage.get(OutboxMessage.key == "signup:0")
    code, out = run_cli(capsys, *cli_args, "mail", "show", str(first.id))
    assert code == 0
    assert "To: user0@example.be" in out and f"Message-ID: {first.message_id}" in out
    assert "C00000" in out  # a newcomer reads the code here
    code, out = run_cli(capsys, *cli_args, "mail", "show", str(first.id), "--html")
    assert "<!DOCTYPE html>" in out
    code, out = run_cli(capsys, *cli_args, "mail", "show", "999")
    assert code == 2 and "999" in out


def test_worker_once_then_mail_shows_sent(cli_args: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    queue_many(3)
    code, out = run_cli(capsys, *cli_args, "worker", "--once", "--batch", "2")
    assert code == 0 and "3 sent, 0 to retry, 0 abandoned" in out
    code, out = run_cli(capsys, *cli_args, "mail", "--status", "sent")
    assert "Outbox: 0 pending, 3 sent, 0 abandoned" in out
    assert sum(" SENT " in line for line in out.splitlines()) == 3
    code, out = run_cli(capsys, *cli_args, "mail", "show", str(OutboxMessage.get().id))
    assert "Attempts:" in out and "sent" in out
    assert len(list((tmp_path / "data" / "maildir" / "new").iterdir())) == 3
    code, out = run_cli(capsys, *cli_args, "mail", "erase", "--older-than", "0")
    assert code == 0 and "Erased the text of 3 mails." in out
    code, out = run_cli(capsys, *cli_args, "mail", "show", str(OutboxMessage.get().id))
    assert "(text erased)" in out and "C0000" not in out


def test_mail_test_and_requeue(cli_args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_cli(capsys, *cli_args, "mail", "test", "ops@example.be", "--language", "en")
    assert code == 0 and "queued for ops@example.be" in out
    message = OutboxMessage.get(OutboxMessage.recipient == "ops@example.be")
    assert message.template == "transport_check" and message.language == "en"
    code, out = run_cli(capsys, *cli_args, "mail", "requeue", str(message.id))
    assert code == 2 and "pending" in out  # only abandoned mails can be requeued
    code, out = run_cli(capsys, *cli_args, "mail", "test", "not an address")
    assert code == 2


def _cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(IMMO_CONNECT_DATA_DIR=str(tmp_path / "data"), IMMO_CONNECT_CONFIG=str(tmp_path / "plugins.toml"),
               IMMO_CONNECT_DATABASE_URL=f"sqlite:///{tmp_path / 'immo.sqlite3'}", PYTHONPATH=str(ROOT))
    return env


@pytest.mark.slow
def test_two_cli_workers_at_once_send_each_mail_once(
    make_platform: Make, smtp_server: SmtpServer, tmp_path: Path,
) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    ids = queue_many(20)
    platform.database.close()
    smtp_server.delay = 0.01
    command = [sys.executable, "-m", "immo_connect", "--lang", "en", "worker", "--once", "--batch", "3"]
    workers = [subprocess.Popen(command, env=_cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=60) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    received = collections.Counter(r.message["Message-ID"] for r in smtp_server.messages)
    assert received == collections.Counter(ids)
    sent = sum(int(out.split("Worker stopped: ")[1].split(" sent")[0]) for out, _err in outputs)
    assert sent == 20


@pytest.mark.slow
def test_worker_loop_stops_cleanly_on_sigterm(make_platform: Make, smtp_server: SmtpServer, tmp_path: Path) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    platform.database.close()
    worker = subprocess.Popen(
        [sys.executable, "-m", "immo_connect", "--lang", "en", "worker", "--interval", "0.1"],
        env=_cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert worker.stdout is not None
        assert "Delivering mails every 0.1 s" in worker.stdout.readline()
        queue_many(2, prefix="live")  # the running loop picks them up
        smtp_server.wait_for(2, timeout=10)
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "Worker stopped: 2 sent" in out
    assert err == ""
