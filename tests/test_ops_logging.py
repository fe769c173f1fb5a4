"""The platform's logs: masked secrets (and only them), stderr for services, level, rotation."""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from immo_connect import log
from immo_connect.config import LogSection, load_settings
from immo_connect.errors import ConfigurationError
from immo_connect.mail import enqueue
from immo_connect.platform import Platform
from immo_connect.storage import transaction

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    logger = logging.getLogger("immo_connect")
    handlers, level = list(logger.handlers), logger.level
    yield
    for handler in logger.handlers:
        if handler not in handlers:
            handler.close()
    logger.handlers[:] = handlers
    logger.setLevel(level)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("login failed, password=hunter2 for anne", "hunter2"),
        ("password: Hunter2!", "Hunter2!"),
        ("token: 'abc'", "abc"),
        ('{"api_key": "live_dHar4XY7LgsgZs4Ue9LqAMSNfkFxXs"}', "live_dHar4XY7LgsgZs4Ue9LqAMSNfkFxXs"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30", "eyJhbGciOiJIUzI1NiJ9.e30"),
        ("cannot connect to postgresql://immo:s3cr3t-pw@db.example/immo", "s3cr3t-pw"),
        ("secret_key=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0", "0f1e2d3c4b5a6978"),
        ("password: correcthorsebatterystaple", "correcthorsebatterystaple"),
        ("pin=1234", "1234"),
        ("eID of 85.07.30-033.28 linked", "85.07.30-033.28"),
        ("eID of 85073003328 linked", "85073003328"),
        ("national number 85 07 30 033 28", "85 07 30 033 28"),
    ],
)
def test_secrets_and_national_numbers_are_masked(text: str, secret: str) -> None:
    masked = log.redact(text)
    assert secret not in masked
    assert "[redacted]" in masked or "[national number]" in masked


@pytest.mark.parametrize(
    "sentence",
    [
        "Mollie is enabled but has no api_key: not offered",
        "api_key: not offered",
        "the activation code: expired, a new one was sent",
        "password: unchanged",
        "mail 42 (transport_check) attempt 3: sent -> sent",
        "paid 12.50 EUR on 2026-12-07 11:48:15 for wallet 7",
        "enterprise 0403.170.701, IBAN BE71096123456769, communication +++090/9337/55493+++",
        'secret_key = { env = "IMMO_CONNECT_SECRET_KEY" }',
        "token refreshed for account 18",
        "the pin was entered on the card reader",
    ],
)
def test_ordinary_sentences_are_left_as_written(sentence: str) -> None:
    assert log.redact(sentence) == sentence


def test_a_traceback_is_masked_too(tmp_path: Path) -> None:
    path = log.configure(tmp_path, stderr=io.StringIO())
    try:
        raise RuntimeError("cannot connect to postgresql://immo:s3cr3t-pw@db/immo for 85073003328")
    except RuntimeError:
        logging.getLogger("immo_connect.test").exception("start failed, token=abc123")
    text = path.read_text()
    assert "Traceback" in text and "RuntimeError" in text
    assert "s3cr3t-pw" not in text and "85073003328" not in text and "abc123" not in text


def test_a_ui_process_never_logs_to_stderr(tmp_path: Path) -> None:
    stream = io.StringIO()  # not a terminal: a service would log here
    path = log.configure(tmp_path, options=LogSection(stderr="always"), stderr=stream)
    logging.getLogger("immo_connect.test").warning("a warning from a screen")
    assert stream.getvalue() == ""
    assert "a warning from a screen" in path.read_text()


def test_a_service_logs_to_stderr_only_when_it_is_not_a_terminal(tmp_path: Path) -> None:
    pipe = io.StringIO()
    log.configure(tmp_path, service=True, stderr=pipe, environ={})
    logging.getLogger("immo_connect.test").info("to the journal")
    assert "INFO immo_connect.test: to the journal" in pipe.getvalue()
    master, slave = os.openpty()
    with open(slave, "w", closefd=True) as terminal:
        log.configure(tmp_path, service=True, stderr=terminal, environ={})
        logging.getLogger("immo_connect.test").info("not on a terminal")
        terminal.flush()
        os.set_blocking(master, False)
        with pytest.raises(BlockingIOError):
            os.read(master, 1024)
    os.close(master)
    assert "not on a terminal" in (tmp_path / "immo-connect.log").read_text()


def test_under_systemd_each_line_carries_its_priority(tmp_path: Path) -> None:
    pipe = io.StringIO()
    log.configure(tmp_path, service=True, stderr=pipe, environ={"JOURNAL_STREAM": "8:12345"})
    logging.getLogger("immo_connect.test").error("first\nsecond")
    logging.getLogger("immo_connect.test").info("fine")
    assert pipe.getvalue().splitlines() == ["<3>ERROR immo_connect.test: first", "<3>second",
                                            "<6>INFO immo_connect.test: fine"]


def test_the_level_comes_from_the_setting_or_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "plugins.toml"
    config.write_text('[log]\nlevel = "warning"\n')
    settings = load_settings(config, environ={"IMMO_CONNECT_DATA_DIR": str(tmp_path)}, database_url="sqlite://")
    pipe = io.StringIO()
    log.configure(tmp_path, options=settings.log, service=True, stderr=pipe, environ={})
    logging.getLogger("immo_connect.test").info("hidden")
    logging.getLogger("immo_connect.test").warning("shown")
    log.configure(tmp_path, options=settings.log, service=True, stderr=pipe,
                  environ={"IMMO_CONNECT_LOG_LEVEL": "DEBUG"})
    logging.getLogger("immo_connect.test").debug("details")
    assert "hidden" not in pipe.getvalue()
    assert "shown" in pipe.getvalue() and "details" in pipe.getvalue()
    with pytest.raises(ConfigurationError) as wrong:
        log.configure(tmp_path, environ={"IMMO_CONNECT_LOG_LEVEL": "loud"})
    assert wrong.value.code == "log_level"
    config.write_text("[log]\nfile_max_mb = 0\n")
    with pytest.raises(ConfigurationError):
        load_settings(config, environ={"IMMO_CONNECT_DATA_DIR": str(tmp_path)}, database_url="sqlite://")


def test_the_file_is_rotated_at_its_size(tmp_path: Path) -> None:
    path = log.configure(tmp_path, options=LogSection(file_max_mb=1, file_backups=2), stderr=io.StringIO())
    logger = logging.getLogger("immo_connect.test")
    line = "x" * 1000
    for number in range(4000):  # about 4 MB
        logger.info("%05d %s", number, line)
    names = sorted(p.name for p in tmp_path.glob("immo-connect.log*") if not p.name.endswith(".lock"))
    assert names == ["immo-connect.log", "immo-connect.log.1", "immo-connect.log.2"]
    assert all((tmp_path / name).stat().st_size <= 1024 * 1024 for name in names)
    assert "03999" in path.read_text()


WRITER = """
import logging, sys
from pathlib import Path
from immo_connect import log
from immo_connect.config import LogSection
log.configure(Path(sys.argv[1]), options=LogSection(file_max_mb=1, file_backups=50))
for number in range(int(sys.argv[3])):
    logging.getLogger("immo_connect.test").info("%s %06d %s", sys.argv[2], number, "y" * 300)
"""


def test_several_processes_share_one_rotated_file_without_losing_lines(tmp_path: Path) -> None:
    lines = 6000  # each process writes about 2 MB: several rotations while the other writes
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), name, str(lines)], cwd=ROOT)
               for name in ("first", "second")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    files = [p for p in tmp_path.glob("immo-connect.log*") if not p.name.endswith(".lock")]
    assert len(files) >= 4
    # Each rotated file was filled to the size once: no process rotated a file another had just started.
    rotated = [p.stat().st_size for p in files if p.name != "immo-connect.log"]
    assert all(1024 * 1024 - 1000 <= size <= 1024 * 1024 + 8000 for size in rotated), rotated  # ± a few lines
    written = [line.split()[4:6] for p in files for line in p.read_text().splitlines()]
    assert sorted(map(tuple, written)) == sorted((name, f"{n:06d}") for name in ("first", "second") for n in range(lines))


def test_the_worker_logs_to_stderr_for_the_journal(make_platform: Callable[..., Platform], tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on: the delivery fails and is logged
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    platform = make_platform(config_text=f'[mail]\ntransport = "smtp"\nhost = "127.0.0.1"\nport = {port}\n')
    with transaction():
        enqueue(to="anne@example.be", template="transport_check", key="journal:1",
                context={"address": "anne@example.be", "transport": "J0001"})
    platform.database.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    env.update(IMMO_CONNECT_DATA_DIR=str(platform.settings.data_dir), JOURNAL_STREAM="8:1")
    result = subprocess.run(
        [sys.executable, "-m", "immo_connect", "--config", str(platform.settings.config_path),
         "--database-url", platform.settings.database_url, "worker", "--once"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "<6>INFO immo_connect.mail" in result.stderr and "(transport_check) attempt 1:" in result.stderr
    assert "(transport_check) attempt 1:" in (platform.settings.data_dir / "immo-connect.log").read_text()


def test_a_log_file_that_cannot_be_written_sends_the_log_to_stderr(tmp_path: Path) -> None:
    (tmp_path / "immo-connect.log").mkdir()  # in the way of the file, whoever runs the test
    pipe = io.StringIO()
    log.configure(tmp_path, stderr=pipe, environ={})
    logging.getLogger("immo_connect.test").error("still reported")
    lines = pipe.getvalue().splitlines()
    assert "cannot write the log file" in lines[0] and "still reported" in lines[1]
