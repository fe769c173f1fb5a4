"""Chargebacks and refunds of online top-ups through the real Mollie adapter, over HTTP, against
the provider simulator; on SQLite and PostgreSQL; each replayed (webhook twice, poll twice)."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from immo_connect.audit import AuditEvent
from immo_connect.clock import FrozenClock
from immo_connect.contracts.payments import PaymentProviderError
from immo_connect.errors import ConflictError, PermissionDenied, ValidationError
from immo_connect.mail.models import OutboxMessage
from immo_connect.payments.models import Payment, PaymentReversal
from immo_connect.payments.webhook import WebhookServer, make_server
from immo_connect.platform import Platform
from immo_connect.wallet.models import Wallet, WalletTransaction
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.fake_mollie import FakeMollie
from tests.support.topups import build_platform, mollie_config, pay_at_checkout
from tests.support.wallet import ledger_problems

KEY = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"


@pytest.fixture
def fake() -> Iterator[FakeMollie]:
    with FakeMollie(api_key=KEY) as server:
        yield server


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def hook_server(tmp_path: Path, database_url: str) -> Iterator[WebhookServer]:
    server = make_server(build_platform(tmp_path, database_url, "", api_key=KEY), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def platform(tmp_path: Path, database_url: str, fake: FakeMollie, hook_server: WebhookServer,
             clock: FrozenClock) -> Iterator[Platform]:
    hook = f"http://127.0.0.1:{hook_server.server_address[1]}/webhooks/payments/mollie"
    made = build_platform(tmp_path, database_url, mollie_config(fake, webhook_url=hook), api_key=KEY, clock=clock)
    hook_server.platform = build_platform(tmp_path, database_url, None, api_key=KEY, migrate=False, clock=clock)
    yield made
    made.database.close()


def webhook(server: WebhookServer, payment_id: str) -> int:
    url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/payments/mollie"
    with urllib.request.urlopen(urllib.request.Request(url, data=f"id={payment_id}".encode(), method="POST"),
                                timeout=10) as answer:
        return int(answer.status)


def paid_top_up(platform: Platform, cents: int = 100_00) -> tuple[Payment, object, object]:
    manager = make_account("manon", first_name="Manon")
    employee = make_account("eric", first_name="Eric")
    organisation = make_organisation(manager, name="Agence Lemaire")
    add_member(organisation, employee)
    payment = platform.payments.start_topup(manager, organisation.id, cents, option="visa")
    pay_at_checkout(payment.checkout_url, "paid")  # Mollie calls the webhook: credited
    payment = Payment.get_by_id(payment.id)
    assert payment.credited_at is not None
    return payment, manager, employee


def take_backs() -> list[WalletTransaction]:
    return list(WalletTransaction.select().where(WalletTransaction.kind == "reversal").order_by(WalletTransaction.id))


def events(action: str) -> int:
    return AuditEvent.select().where(AuditEvent.action == action).count()


def mails(template: str) -> int:
    return OutboxMessage.select().where(OutboxMessage.template == template).count()


def test_chargeback_through_the_webhook_is_booked_once_even_below_zero(
    platform: Platform, fake: FakeMollie, hook_server: WebhookServer
) -> None:
    payment, _manager, employee = paid_top_up(platform)
    organisation_id = int(payment.organisation_id)
    platform.wallet.charge(employee, organisation_id, 60_00, tool="btv", description="Use", idempotency_key="c:1")

    chargeback = fake.charge_back(str(payment.provider_payment_id), code="MD06", description="Refund request by end customer")
    assert fake.webhook_calls[-1] == (payment.provider_payment_id, 200)
    for _ in range(2):  # the webhook twice more, and two polls
        assert webhook(hook_server, str(payment.provider_payment_id)) == 200
    for _ in range(2):
        platform.payments.refresh(payment.id)
        platform.payments.follow_paid()

    (taken,) = take_backs()
    assert (taken.amount, taken.balance_after, taken.failure_reason, taken.reference) == (
        -100_00, -60_00, "chargeback", chargeback)
    assert taken.counterpart_transaction_id == payment.transaction_id
    assert Wallet.get().balance == -60_00
    (row,) = PaymentReversal.select()
    assert (row.kind, row.status, row.provider_reversal_id, row.transaction_id) == (
        "chargeback", "charged_back", chargeback, taken.id)
    assert "MD06" in row.reason
    assert events("payment.charged_back") == 1 and events("wallet.take_back") == 0  # the row is its own record
    assert mails("topup_taken_back") == 1  # one manager
    sent = [r for r in fake.api_requests() if "/chargebacks" in r.path]
    assert sent and all(r.method == "GET" and r.headers["Authorization"] == f"Bearer {KEY}" for r in sent)

    # A negative wallet pays for nothing until topped up.
    refused = platform.wallet.charge(employee, organisation_id, 1, tool="btv", description="Use", idempotency_key="c:2")
    assert refused.status == "failed" and refused.failure_reason == "insufficient_funds"

    # The bank reverses the chargeback: the money comes back once.
    fake.reverse_chargeback(str(payment.provider_payment_id), chargeback)
    for _ in range(2):
        webhook(hook_server, str(payment.provider_payment_id))
        platform.payments.refresh(payment.id)
    assert [t.amount for t in take_backs()] == [-100_00, 100_00]
    assert Wallet.get().balance == 40_00
    assert PaymentReversal.get().status == "reversed" and events("payment.reversal_undone") == 1
    assert mails("topup_credited") == 2  # the top-up, and the money given back
    assert ledger_problems() == []


def test_refund_from_the_dashboard_followed_by_polling(platform: Platform, fake: FakeMollie) -> None:
    payment, _manager, _employee = paid_top_up(platform)
    fake.payments[str(payment.provider_payment_id)]["webhookUrl"] = None  # no webhook: polling only
    refund = fake.refund_from_dashboard(str(payment.provider_payment_id), 25_00)
    for _ in range(2):
        platform.payments.follow_paid()
        platform.payments.refresh(payment.id)
    (taken,) = take_backs()
    assert (taken.amount, taken.reference, taken.failure_reason) == (-25_00, refund, "refund")
    assert PaymentReversal.get().status == "pending" and Wallet.get().balance == 75_00

    fake.set_refund_status(str(payment.provider_payment_id), refund, "failed")
    for _ in range(2):
        platform.payments.follow_paid()  # a refund still moving is followed at every round
    assert [t.amount for t in take_backs()] == [-25_00, 25_00]
    assert PaymentReversal.get().status == "failed" and Wallet.get().balance == 100_00
    assert events("payment.refunded") == 1 and events("payment.reversal_undone") == 1
    assert ledger_problems() == []


def test_a_chargeback_after_a_refund_takes_back_what_the_wallet_still_holds(
    platform: Platform, fake: FakeMollie, hook_server: WebhookServer
) -> None:
    """The card holder's bank takes back the whole payment after part of it was refunded: the
    wallet gives back what it still holds of that top-up, once, and not more."""
    payment, _manager, _employee = paid_top_up(platform)
    provider_id = str(payment.provider_payment_id)
    fake.refund_from_dashboard(provider_id, 60_00, status="refunded")
    fake.charge_back(provider_id)  # the whole 100,00 €
    for _ in range(2):
        webhook(hook_server, provider_id)
        platform.payments.refresh(payment.id)
        platform.payments.follow_paid()
    assert sorted(t.amount for t in take_backs()) == [-60_00, -40_00]
    assert Wallet.get().balance == 0
    assert events("payment.refunded") == 1 and events("payment.charged_back") == 1
    assert ledger_problems() == []


def test_a_manager_refunds_an_unused_top_up_through_the_provider(
    platform: Platform, fake: FakeMollie, hook_server: WebhookServer
) -> None:
    payment, manager, employee = paid_top_up(platform)
    organisation_id = int(payment.organisation_id)
    platform.wallet.charge(employee, organisation_id, 30_00, tool="btv", description="Use", idempotency_key="m:1")

    with pytest.raises(PermissionDenied):
        platform.payments.request_refund(employee, payment.id, 10_00)
    with pytest.raises(ValidationError) as caught:
        platform.payments.request_refund(manager, payment.id, 70_01)
    assert caught.value.code == "refund_above_balance" and "70,00 €" in caught.value.message
    assert not PaymentReversal.select().exists() and take_backs() == []

    row = platform.payments.request_refund(manager, payment.id, 50_00, request_key="form-1")
    sent = [r for r in fake.api_requests() if r.method == "POST" and r.path.endswith("/refunds")]
    assert len(sent) == 1
    assert sent[0].headers["Idempotency-Key"] == row.provider_key
    assert sent[0].json()["amount"] == {"currency": "EUR", "value": "50.00"}
    assert sent[0].json()["metadata"] == {"reversal": str(row.id), "payment": str(payment.id)}
    assert (row.status, row.provider_reversal_id) == ("pending", fake.refunds[str(payment.provider_payment_id)][0]["id"])

    # Replayed: the same form, the webhook twice, two polls. One refund, one debit.
    assert platform.payments.request_refund(manager, payment.id, 50_00, request_key="form-1").id == row.id
    for _ in range(2):
        webhook(hook_server, str(payment.provider_payment_id))
        platform.payments.follow_paid()
    fake.set_refund_status(str(payment.provider_payment_id), str(row.provider_reversal_id), "refunded")
    platform.payments.refresh(payment.id)
    assert len(fake.refunds[str(payment.provider_payment_id)]) == 1
    (taken,) = take_backs()
    assert (taken.amount, taken.actor_id, taken.balance_after) == (-50_00, manager.id, 20_00)
    assert PaymentReversal.get().status == "refunded"
    assert events("payment.refund_requested") == 1 and events("payment.refund_debited") == 1
    assert mails("topup_taken_back") == 1

    # Never more than what is left of the top-up (50,00), nor than the balance (20,00).
    with pytest.raises(ValidationError) as caught:
        platform.payments.request_refund(manager, payment.id, 20_01)
    assert caught.value.code == "refund_above_balance"
    assert ledger_problems() == []


def test_a_refused_refund_gives_the_money_back(platform: Platform, fake: FakeMollie) -> None:
    payment, manager, _employee = paid_top_up(platform)
    fake.fail_next(422)  # the provider refuses the refund
    with pytest.raises(PaymentProviderError):
        platform.payments.request_refund(manager, payment.id, 40_00, request_key="form-9")
    with pytest.raises(ConflictError) as caught:  # the same form again: told, not silently "done"
        platform.payments.request_refund(manager, payment.id, 40_00, request_key="form-9")
    assert caught.value.code == "refund_refused"
    assert [t.amount for t in take_backs()] == [-40_00, 40_00]
    assert PaymentReversal.get().status == "error" and Wallet.get().balance == 100_00
    assert events("payment.refund_refused") == 1 and fake.refunds == {}
    assert ledger_problems() == []


def test_a_refund_unanswered_stays_reserved_and_is_asked_again(
    platform: Platform, fake: FakeMollie, clock: FrozenClock
) -> None:
    payment, manager, _employee = paid_top_up(platform)
    fake.fail_next(503)  # the refund request …
    fake.fail_next(503)  # … and the look-up that would tell whether it was made
    with pytest.raises(PaymentProviderError) as caught:
        platform.payments.request_refund(manager, payment.id, 40_00)
    assert "automatically" in caught.value.hint or "automatiquement" in caught.value.hint
    row = PaymentReversal.get()
    assert (row.status, row.provider_reversal_id) == ("requested", None)
    assert Wallet.get().balance == 60_00  # reserved until the provider answers
    clock.advance(minutes=1)
    for _ in range(2):
        platform.payments.follow_paid()
    row = PaymentReversal.get()
    assert row.status == "pending" and row.provider_reversal_id is not None
    assert len(fake.refunds[str(payment.provider_payment_id)]) == 1
    assert [t.amount for t in take_backs()] == [-40_00] and Wallet.get().balance == 60_00
    assert ledger_problems() == []
