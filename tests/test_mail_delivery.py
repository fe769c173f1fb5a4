"""Delivering the outbox to a real SMTP server (aiosmtpd on loopback) and to a maildir."""

from __future__ import annotations

import datetime as dt
import json
import mailbox
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from immo_connect import audit
from immo_connect.clock import FrozenClock
from immo_connect.config import load_settings
from immo_connect.errors import ValidationError
from immo_connect.mail import OutboxMessage, enqueue, start_background_delivery
from immo_connect.mail._outbox import Outbox
from immo_connect.platform import Platform, create_platform
from immo_connect.storage import transaction
from tests.support.smtp import SmtpServer

Make = Callable[..., Platform]


def queue(key: str, to: str = "anne@example.be", code: str = "K7P2QX", language: str | None = None) -> OutboxMessage:
    with transaction():
        return enqueue(to=to, template="transport_check", key=key, language=language,
                       context={"address": to, "transport": code})


class Highest(random.Random):
    """Full jitter at its upper bound, so retry times are exact."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_delivery_to_a_real_smtp_server(make_platform: Make, smtp_server: SmtpServer, clock: FrozenClock) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    message = queue("smtp:1", language="en")
    report = platform.outbox.deliver_due()
    assert (report.claimed, report.sent) == (1, 1)
    received = smtp_server.last_message("anne@example.be")
    assert received.sender == "no-reply@immo-connect.be"
    assert received.message["Message-ID"] == message.message_id
    assert received.message["Subject"] == "Immo-Connect: test message"
    assert received.message.get_content_type() == "multipart/alternative"
    assert "can send e-mail to anne@example.be" in received.text
    assert "<strong>anne@example.be</strong>" in received.html
    assert smtp_server.last_code("anne@example.be") == "K7P2QX"
    stored = OutboxMessage.get_by_id(message.id)
    assert (stored.status, stored.attempts, stored.sent_at, stored.last_error) == ("sent", 1, clock.now(), "")
    assert platform.outbox.deliver_due().claimed == 0  # nothing is sent twice
    assert len(smtp_server.messages) == 1


def test_batch_goes_over_one_connection_and_keeps_order(make_platform: Make, smtp_server: SmtpServer) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    keys = [queue(f"batch:{i}", to=f"user{i}@example.be").message_id for i in range(12)]
    report = platform.outbox.deliver_all_due(limit=5)
    assert (report.claimed, report.sent) == (12, 12)
    assert [r.message["Message-ID"] for r in smtp_server.messages] == keys


def test_smtp_outage_loses_nothing_and_sends_each_mail_once(
    make_platform: Make, smtp_server: SmtpServer, clock: FrozenClock,
) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    smtp_server.stop()
    ids = [queue(f"outage:{i}", to=f"new{i}@example.be").message_id for i in range(6)]
    first = platform.outbox.deliver_all_due()
    assert (first.claimed, first.sent, first.retried) == (6, 0, 6)
    clock.advance(seconds=30)  # every first retry falls within the base delay
    second = platform.outbox.deliver_all_due()
    assert (second.sent, second.retried) == (0, 6)
    assert platform.outbox.counts() == {"pending": 6, "sent": 0, "abandoned": 0}
    assert all("Connect" in m.last_error or "refused" in m.last_error.lower() for m in platform.outbox.pending())
    smtp_server.start()
    clock.advance(seconds=60)
    third = platform.outbox.deliver_all_due()
    assert third.sent == 6
    clock.advance(hours=7)
    assert platform.outbox.deliver_all_due().claimed == 0
    received = [r.message["Message-ID"] for r in smtp_server.messages]
    assert sorted(received) == sorted(ids)  # every mail, exactly once


def test_retries_back_off_exponentially_with_jitter(make_platform: Make, smtp_server: SmtpServer, clock: FrozenClock) -> None:
    platform = make_platform(config_text=smtp_server.config_text(
        retry_base_seconds=30.0, retry_max_seconds=600.0, max_attempts=10))
    outbox = Outbox(platform, rng=Highest())
    smtp_server.refuse_with = "451 4.3.0 Try again later"
    message = queue("backoff:1")
    start = clock.now()
    waits = []
    for _ in range(6):
        report = outbox.deliver_due()
        assert report.retried == 1
        due = OutboxMessage.get_by_id(message.id).next_attempt_at
        waits.append((due - clock.now()).total_seconds())
        clock.current = due - dt.timedelta(seconds=1)
        assert outbox.deliver_due().claimed == 0  # not before its time
        clock.current = due
    assert waits == [30, 60, 120, 240, 480, 600]  # doubling, capped at retry_max_seconds
    assert clock.now() - start == dt.timedelta(seconds=sum(waits))
    stored = OutboxMessage.get_by_id(message.id)
    assert stored.attempts == 6 and "451" in stored.last_error
    assert [a.outcome for a in outbox.attempts(stored)] == ["retry"] * 6
    smtp_server.refuse_with = None
    assert outbox.deliver_due().sent == 1


def test_full_jitter_spreads_retries_below_the_ceiling(platform: Platform) -> None:
    outbox = Outbox(platform, rng=random.Random(7))
    for attempts, ceiling in ((1, 30), (2, 60), (3, 120), (12, 21600)):
        delays = [outbox.retry_delay(attempts).total_seconds() for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.9 and min(delays) < ceiling * 0.1  # spread over the range


def test_abandoned_after_max_attempts_and_audited_without_the_body(
    make_platform: Make, smtp_server: SmtpServer, clock: FrozenClock,
) -> None:
    platform = make_platform(config_text=smtp_server.config_text(max_attempts=3))
    smtp_server.refuse_with = "421 4.7.0 Service not available"
    message = queue("abandon:1", code="Z9Y8X7")
    outcomes = []
    for _ in range(4):
        report = platform.outbox.deliver_due()
        outcomes.append((report.retried, report.abandoned))
        clock.advance(hours=7)
    assert outcomes == [(1, 0), (1, 0), (0, 1), (0, 0)]
    stored = OutboxMessage.get_by_id(message.id)
    assert (stored.status, stored.attempts) == ("abandoned", 3)
    assert "421" in stored.last_error
    events = list(audit.query(audit.AuditFilter(action="mail.abandoned")))
    assert len(events) == 1
    event = events[0]
    assert (event.target, event.outcome) == (f"mail:{message.id}", "failed")
    detail = json.loads(event.detail)
    assert detail["template"] == "transport_check" and detail["attempts"] == 3
    assert "Z9Y8X7" not in event.detail and "anne@example.be" not in event.detail
    assert smtp_server.messages == []


def test_permanent_refusal_abandons_at_once(make_platform: Make, smtp_server: SmtpServer) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    smtp_server.refuse_with = "550 5.1.1 Mailbox does not exist"
    message = queue("perm:1")
    assert platform.outbox.deliver_due().abandoned == 1
    assert OutboxMessage.get_by_id(message.id).status == "abandoned"
    requeued = platform.outbox.requeue(message.id)  # the operator fixed the cause
    assert (requeued.status, requeued.attempts) == ("pending", 0)
    smtp_server.refuse_with = None
    assert platform.outbox.deliver_due().sent == 1
    assert len(smtp_server.messages_to("anne@example.be")) == 1


def test_expired_claim_of_a_crashed_worker_is_claimed_again(
    make_platform: Make, smtp_server: SmtpServer, clock: FrozenClock,
) -> None:
    platform = make_platform(config_text=smtp_server.config_text(lease_seconds=120.0))
    message = queue("crash:1")
    crashed = Outbox(platform, worker="crashed-worker")
    assert [m.id for m in crashed.claim(10)] == [message.id]  # claimed, then the worker died
    survivor = Outbox(platform, worker="survivor")
    assert survivor.deliver_due().claimed == 0  # the lease still holds
    clock.advance(seconds=121)
    report = survivor.deliver_due()
    assert report.sent == 1
    stored = OutboxMessage.get_by_id(message.id)
    assert stored.attempts == 2 and stored.claimed_by.startswith("survivor")
    assert smtp_server.last_message("anne@example.be").message["Message-ID"] == message.message_id


def test_outcome_of_a_lost_claim_is_not_recorded(make_platform: Make, smtp_server: SmtpServer, clock: FrozenClock) -> None:
    platform = make_platform(config_text=smtp_server.config_text(lease_seconds=60.0))
    message = queue("lost:1")
    slow = Outbox(platform, worker="slow")
    batch = slow.claim(10)
    clock.advance(seconds=61)
    assert Outbox(platform, worker="fast").deliver_due().sent == 1
    report = slow.deliver_due()  # nothing left to claim
    assert report.claimed == 0
    from immo_connect.mail._outbox import DeliveryReport

    late = DeliveryReport()
    slow._record(batch[0], None, late)
    assert late.lost == 1 and late.sent == 0
    assert OutboxMessage.get_by_id(message.id).claimed_by.startswith("fast")


def _platform_with_password(tmp_path: Path, server: SmtpServer, password: str) -> Platform:
    config = tmp_path / "plugins.toml"
    config.write_text(server.config_text(password={"env": "IMMO_TEST_SMTP_PASSWORD"}))
    environ = {"IMMO_CONNECT_DATA_DIR": str(tmp_path / "data"), "IMMO_TEST_SMTP_PASSWORD": password}
    settings = load_settings(config, environ=environ, database_url=f"sqlite:///{tmp_path / 'tls.sqlite3'}")
    return create_platform(settings, environ=environ, load_entrypoints=False)


def test_starttls_with_login(make_smtp_server: Callable[..., SmtpServer], tmp_path: Path) -> None:
    server = make_smtp_server(security="starttls", login=("relay", "s3cret-pass"))
    platform = _platform_with_password(tmp_path, server, "s3cret-pass")
    try:
        queue("tls:1")
        assert platform.outbox.deliver_due().sent == 1
        assert server.last_code("anne@example.be") == "K7P2QX"
    finally:
        platform.database.close()


def test_wrong_login_is_retried_not_abandoned(make_smtp_server: Callable[..., SmtpServer], tmp_path: Path) -> None:
    server = make_smtp_server(security="starttls", login=("relay", "right"))
    platform = _platform_with_password(tmp_path, server, "wrong")
    try:
        message = queue("auth:1")
        assert platform.outbox.deliver_due().retried == 1
        stored = OutboxMessage.get_by_id(message.id)
        assert "Authentication" in stored.last_error and "wrong" not in stored.last_error
        assert server.messages == []
    finally:
        platform.database.close()


def test_implicit_tls(make_platform: Make, make_smtp_server: Callable[..., SmtpServer]) -> None:
    server = make_smtp_server(security="tls")
    platform = make_platform(config_text=server.config_text())
    queue("implicit:1")
    assert platform.outbox.deliver_due().sent == 1
    assert len(server.messages) == 1


def test_untrusted_certificate_is_refused(make_platform: Make, make_smtp_server: Callable[..., SmtpServer]) -> None:
    server = make_smtp_server(security="tls")
    platform = make_platform(config_text=server.config_text(ca_file="/etc/ssl/certs/ca-certificates.crt"))
    message = queue("untrusted:1")
    assert platform.outbox.deliver_due().retried == 1
    assert "CERTIFICATE" in OutboxMessage.get_by_id(message.id).last_error.upper()
    assert server.messages == []


def test_maildir_is_the_default_transport(platform: Platform) -> None:
    message = queue("maildir:1")
    assert platform.outbox.deliver_due().sent == 1
    box = mailbox.Maildir(platform.settings.data_dir / "maildir", create=False)
    mails = list(box)
    assert len(mails) == 1
    mail = mails[0]
    assert mail["Message-ID"] == message.message_id
    assert mail["To"] == "anne@example.be"
    assert mail.get_content_type() == "multipart/alternative"
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    assert "K7P2QX" in text.get_payload(decode=True).decode("utf-8")


def test_maildir_path_from_settings(make_platform: Make, tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere" / "Maildir"
    platform = make_platform(config_text=f'[mail]\nmaildir = "{folder}"\n')
    queue("maildir:2")
    assert platform.outbox.deliver_due().sent == 1
    assert len(mailbox.Maildir(folder, create=False)) == 1


def test_background_delivery_in_the_same_process(make_platform: Make, smtp_server: SmtpServer) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    handle = start_background_delivery(platform, interval=0.05)
    try:
        queue("bg:1")
        handle.wake()
        smtp_server.wait_for(1, timeout=5)
        queue("bg:2", to="bob@example.be")
        smtp_server.wait_for(2, timeout=5)
    finally:
        handle.stop()
    assert not handle.running
    assert platform.outbox.counts()["sent"] == 2
    assert len(smtp_server.messages) == 2


def test_mail_sealed_under_another_key_fails_alone_with_a_clear_error(
    make_platform: Make, smtp_server: SmtpServer, tmp_path: Path,
) -> None:
    make_platform(config_text=smtp_server.config_text())
    foreign = queue("foreign:1", to="first@example.be")
    url = f"sqlite:///{tmp_path / 'immo.sqlite3'}"
    environ = {"IMMO_CONNECT_DATA_DIR": str(tmp_path / "other-data")}  # another secret.key
    other = create_platform(load_settings(tmp_path / "plugins.toml", environ=environ, database_url=url),
                            environ=environ, load_entrypoints=False)
    try:
        mine = queue("mine:1", to="second@example.be")
        report = other.outbox.deliver_due()
        assert (report.sent, report.retried) == (1, 1)
        assert OutboxMessage.get_by_id(mine.id).status == "sent"
        failed = OutboxMessage.get_by_id(foreign.id)
        assert failed.status == "pending" and failed.last_error.startswith("SealError: ")
        assert [r.recipients for r in smtp_server.messages] == [("second@example.be",)]
    finally:
        other.database.close()


def test_accented_subject_and_international_address(make_platform: Make, smtp_server: SmtpServer) -> None:
    platform = make_platform(config_text=smtp_server.config_text() + '\n[platform]\nname = "Agence Liégeoise"\n')
    plain = queue("accent:1", to="anne@example.be")
    international = queue("accent:2", to="josé@exemple.be")
    assert platform.outbox.deliver_due().sent == 2
    first = smtp_server.last_message("anne@example.be")
    assert str(first.message["Subject"]) == "Agence Liégeoise : message de test" == plain.subject
    assert "Agence Liégeoise peut envoyer des e-mails" in first.text
    assert str(first.message["From"]) == "Immo-Connect <no-reply@immo-connect.be>"
    second = smtp_server.last_message("josé@exemple.be")
    assert second.message["Message-ID"] == international.message_id
    assert "josé@exemple.be" in second.text


def test_bodies_of_finished_mails_are_erased_after_the_retention(
    make_platform: Make, smtp_server: SmtpServer, clock: FrozenClock,
) -> None:
    platform = make_platform(config_text=smtp_server.config_text(keep_bodies_days=30))
    sent = queue("keep:sent")
    assert platform.outbox.deliver_due().sent == 1
    smtp_server.refuse_with = "550 5.1.1 No such mailbox"
    abandoned = queue("keep:abandoned", to="gone@example.be")
    assert platform.outbox.deliver_due().abandoned == 1
    smtp_server.stop()
    waiting = queue("keep:pending", to="later@example.be")
    clock.advance(days=29)
    assert platform.outbox.erase_old_bodies() == 0
    clock.advance(days=2)
    assert platform.outbox.erase_old_bodies() == 2
    assert OutboxMessage.get_by_id(sent.id).plain_text() == ""
    assert OutboxMessage.get_by_id(sent.id).status == "sent"  # the row stays
    assert "K7P2QX" in OutboxMessage.get_by_id(waiting.id).plain_text()  # never before delivery
    assert queue("keep:sent").id == sent.id  # still idempotent: nothing is sent again
    with pytest.raises(ValidationError, match="effacé"):
        platform.outbox.requeue(abandoned.id)


def test_a_mail_that_keeps_killing_its_worker_is_abandoned_unsent(
    make_platform: Make, smtp_server: SmtpServer, clock: FrozenClock,
) -> None:
    platform = make_platform(config_text=smtp_server.config_text(max_attempts=3, lease_seconds=60.0))
    message = queue("poison:1")
    for n in range(3):  # three workers each claimed it and died before any outcome
        assert len(Outbox(platform, worker=f"dead-{n}").claim(10)) == 1
        clock.advance(seconds=61)
    report = Outbox(platform, worker="survivor").deliver_due()
    assert (report.claimed, report.abandoned, report.sent) == (1, 1, 0)
    stored = OutboxMessage.get_by_id(message.id)
    assert stored.status == "abandoned" and stored.last_error.startswith("AttemptsExhausted")
    assert smtp_server.messages == []
