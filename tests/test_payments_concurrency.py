"""Several processes follow the same paid payments at once: each is credited exactly once.

Real processes (spawned), a real database (SQLite file and PostgreSQL) and the fake Mollie
server over real HTTP; the pollers start together on an event to make them collide.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest

from immo_connect.audit import AuditEvent
from immo_connect.mail.models import OutboxMessage
from immo_connect.payments.models import Payment
from immo_connect.wallet.models import Wallet, WalletTransaction
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.fake_mollie import FakeMollie
from tests.support.topups import build_platform, mollie_config
from tests.support.wallet import posting_count

KEY = "test_concurrentpollers000000000000"
PROCESSES = 2
ROUNDS = 8


def _poller(tmp: str, url: str, payment_ids: list[int], start: object,
            done: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    statuses: list[str] = []
    try:
        platform = build_platform(Path(tmp), url, None, api_key=KEY, migrate=False)
        start.wait(30)  # type: ignore[attr-defined]
        for _ in range(ROUNDS):
            for payment_id in payment_ids:
                statuses.append(str(platform.payments.refresh(payment_id).status))
            platform.payments.follow_open()
        platform.database.close()
    except Exception as error:  # noqa: BLE001 - reported to the test at once, not a silent timeout
        statuses.append(f"{type(error).__name__}: {error}")
    done.put(statuses)


@pytest.fixture
def fake() -> Iterator[FakeMollie]:
    with FakeMollie(api_key=KEY) as server:
        yield server


def test_concurrent_pollers_credit_each_payment_once(tmp_path: Path, database_url: str, fake: FakeMollie) -> None:
    config_text = mollie_config(fake)
    platform = build_platform(tmp_path, database_url, config_text, api_key=KEY)
    manager = make_account("boss")
    co_manager = make_account("co")
    organisation = make_organisation(manager, name="Agence Concurrente")
    add_member(organisation, co_manager, is_manager=True)
    amounts = [50_00, 75_25, 120_00, 999_99, 5000_00]
    payments = [platform.payments.start_topup(manager, organisation.id, cents, option="mastercard")
                for cents in amounts]
    for payment in payments:
        fake.set_status(payment.provider_payment_id, "paid")
    platform.database.close()

    context = multiprocessing.get_context("spawn")
    start, done = context.Event(), context.Queue()
    ids = [int(p.id) for p in payments]
    workers = [context.Process(target=_poller, args=(str(tmp_path), database_url, ids, start, done))
               for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    start.set()
    results = [done.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert [s for statuses in results for s in statuses if s != "paid"] == []

    assert WalletTransaction.select().count() == len(amounts)
    assert posting_count() == len(amounts)
    assert Wallet.get(Wallet.organisation == organisation.id).balance == sum(amounts)
    assert all(p.credited_at is not None for p in Payment.select())
    assert sorted(p.transaction_id for p in Payment.select()) == sorted(t.id for t in WalletTransaction.select())
    assert AuditEvent.select().where(AuditEvent.action == "payment.credited").count() == len(amounts)
    assert OutboxMessage.select().where(OutboxMessage.template == "topup_credited").count() == 2 * len(amounts)
    # Every payment was looked up at the provider (by one poller or several) before being credited.
    looked_up = {r.path.rsplit("/", 1)[1] for r in fake.api_requests() if r.method == "GET"}
    assert looked_up == {p.provider_payment_id for p in payments}


def test_concurrent_pollers_take_each_chargeback_and_refund_back_once(
    tmp_path: Path, database_url: str, fake: FakeMollie
) -> None:
    from immo_connect.payments.models import PaymentReversal
    from tests.support.wallet import ledger_problems

    platform = build_platform(tmp_path, database_url, mollie_config(fake), api_key=KEY)
    manager = make_account("boss")
    co_manager = make_account("co")
    organisation = make_organisation(manager, name="Agence Concurrente")
    add_member(organisation, co_manager, is_manager=True)
    amounts = [50_00, 75_25, 120_00]
    payments = [platform.payments.start_topup(manager, organisation.id, cents) for cents in amounts]
    for payment in payments:
        fake.set_status(payment.provider_payment_id, "paid")
        platform.payments.refresh(payment.id)
    fake.charge_back(payments[0].provider_payment_id)
    fake.charge_back(payments[1].provider_payment_id, 25_25)
    fake.refund_from_dashboard(payments[1].provider_payment_id, 10_00, status="refunded")
    fake.refund_from_dashboard(payments[2].provider_payment_id, 20_00)
    platform.database.close()

    context = multiprocessing.get_context("spawn")
    start, done = context.Event(), context.Queue()
    ids = [int(p.id) for p in payments]
    workers = [context.Process(target=_poller, args=(str(tmp_path), database_url, ids, start, done))
               for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    start.set()
    results = [done.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert [s for statuses in results for s in statuses if s != "paid"] == []

    taken = WalletTransaction.select().where(WalletTransaction.kind == "reversal")
    assert sorted(t.amount for t in taken) == [-50_00, -25_25, -20_00, -10_00]
    assert PaymentReversal.select().count() == 4
    assert Wallet.get(Wallet.organisation == organisation.id).balance == sum(amounts) - 105_25
    assert AuditEvent.select().where(AuditEvent.action.in_(["payment.charged_back", "payment.refunded"])).count() == 4
    assert OutboxMessage.select().where(OutboxMessage.template == "topup_taken_back").count() == 2 * 4
    assert ledger_problems() == []
