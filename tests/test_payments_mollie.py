"""The Mollie adapter over real HTTP against the fake Mollie server, alone and through the platform."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from immo_connect.audit import AuditEvent
from immo_connect.clock import FrozenClock
from immo_connect.config_schema import Secret
from immo_connect.contracts.payments import PaymentProviderError, PaymentRequest
from immo_connect.mail.models import OutboxMessage
from immo_connect.payments.models import Payment
from immo_connect.payments.service import credit_key
from immo_connect.payments.webhook import make_server
from immo_connect.platform import Platform
from immo_connect.plugins.payments.mollie import MollieConfig, MolliePayments
from immo_connect.wallet.models import Wallet, WalletTransaction
from tests.support.factories import make_account, make_organisation
from tests.support.fake_mollie import FakeMollie
from tests.support.topups import build_platform, mollie_config, pay_at_checkout

KEY = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"


@pytest.fixture
def fake() -> Iterator[FakeMollie]:
    with FakeMollie(api_key=KEY) as server:
        yield server


def adapter(fake: FakeMollie, **overrides: object) -> MolliePayments:
    values: dict[str, object] = {"api_key": Secret(KEY), "base_url": fake.base_url, **overrides}
    return MolliePayments(MollieConfig(**values))  # type: ignore[arg-type]


def request(key: str = "immo-connect-topup-1", cents: int = 50_00, option: str = "bancontact") -> PaymentRequest:
    return PaymentRequest(amount_cents=cents, description="Immo-Connect : recharge du Wallet de Agence A",
                          idempotency_key=key, option=option, metadata={"payment": "1"})


def test_create_sends_the_documented_request(fake: FakeMollie) -> None:
    mollie = adapter(fake, webhook_url="https://hooks.example.be/webhooks/payments/mollie")
    created = mollie.create_payment(request(cents=125_50, option="visa"))
    assert created.provider_payment_id.startswith("tr_") and created.status == "open"
    assert (created.amount_cents, created.currency) == (12550, "EUR")
    assert created.checkout_url == f"{fake.root}/checkout/{created.provider_payment_id}"
    sent = fake.api_requests()[-1]
    assert (sent.method, sent.path) == ("POST", "/v2/payments")
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert sent.headers["Idempotency-Key"] == "immo-connect-topup-1"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.json() == {
        "amount": {"currency": "EUR", "value": "125.50"},
        "description": "Immo-Connect : recharge du Wallet de Agence A",
        "redirectUrl": "https://www.immo-connect.be/wallet/topup/done",
        "webhookUrl": "https://hooks.example.be/webhooks/payments/mollie",
        "method": "creditcard",
        "metadata": {"payment": "1"},
    }
    assert adapter(fake).create_payment(request("k2", option="bancontact")).provider_payment_id
    assert fake.api_requests()[-1].json()["method"] == "bancontact"
    assert "webhookUrl" not in fake.api_requests()[-1].json()  # only when configured


@pytest.mark.parametrize(("mollie_status", "ours"), [
    ("paid", "paid"), ("failed", "failed"), ("expired", "expired"), ("canceled", "canceled"),
    ("pending", "pending"), ("authorized", "pending"),
])
def test_get_follows_the_status(fake: FakeMollie, mollie_status: str, ours: str) -> None:
    mollie = adapter(fake)
    created = mollie.create_payment(request())
    fake.set_status(created.provider_payment_id, mollie_status)
    fetched = mollie.get_payment(created.provider_payment_id)
    assert fetched.status == ours and fetched.checkout_url == ""
    sent = fake.api_requests()[-1]
    assert (sent.method, sent.path) == ("GET", f"/v2/payments/{created.provider_payment_id}")
    assert sent.headers["Authorization"] == f"Bearer {KEY}"


def test_idempotency_key_replay_and_reuse(fake: FakeMollie) -> None:
    mollie = adapter(fake)
    first = mollie.create_payment(request("same-key"))
    again = mollie.create_payment(request("same-key"))
    assert again.provider_payment_id == first.provider_payment_id
    assert len(fake.payments) == 1
    with pytest.raises(PaymentProviderError) as caught:
        mollie.create_payment(request("same-key", cents=60_00))
    assert "Idempotency-Key" in caught.value.message
    assert len(fake.payments) == 1


def test_refusals_and_outages_are_clear_and_keep_the_key_secret(fake: FakeMollie) -> None:
    with pytest.raises(PaymentProviderError) as caught:
        adapter(fake, api_key=Secret("test_wrongwrongwrongwrongwrongwr")).create_payment(request())
    assert "api_key" in caught.value.hint and "wrongwrong" not in str(caught.value)
    mollie = adapter(fake)
    with pytest.raises(PaymentProviderError) as caught:
        mollie.get_payment("tr_doesnotexist")
    assert "does not know" in caught.value.message or "ne connaît pas" in caught.value.message
    fake.fail_next(503)
    with pytest.raises(PaymentProviderError) as caught:
        mollie.create_payment(request("after-outage"))
    assert "503" in caught.value.message
    assert mollie.create_payment(request("after-outage")).status == "open"  # a retry works
    calls = len(fake.requests)
    with pytest.raises(PaymentProviderError):
        mollie.get_payment("../../v2/payments")  # never put in a URL
    assert len(fake.requests) == calls
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with pytest.raises(PaymentProviderError) as caught:
        adapter(fake, base_url=f"http://127.0.0.1:{closed}/v2", timeout_seconds=2.0).create_payment(request())
    assert caught.value.hint


def test_webhook_body_names_the_payment_only() -> None:
    mollie = MolliePayments(MollieConfig(api_key=Secret(KEY)))
    assert mollie.payment_id_from_webhook({}, b"id=tr_WDqYK6vllg") == "tr_WDqYK6vllg"
    for body in (b"", b"id=", b"id=../../etc", b"id=tr_a&id=tr_b", b"\xff\xfe", b"status=paid"):
        assert mollie.payment_id_from_webhook({}, body) is None


# -- through the platform -------------------------------------------------------------------------


@pytest.fixture
def mollie_platform(tmp_path: Path, fake: FakeMollie, sqlite_url: str) -> Iterator[Platform]:
    platform = build_platform(tmp_path, sqlite_url, mollie_config(fake), api_key=KEY, clock=FrozenClock())
    yield platform
    platform.database.close()


def test_topup_paid_at_checkout_is_credited_once(mollie_platform: Platform, fake: FakeMollie) -> None:
    manager = make_account("manon", first_name="Manon")
    organisation = make_organisation(manager, name="Agence Lemaire")
    payment = mollie_platform.payments.start_topup(manager, organisation.id, 250_00, option="maestro")
    assert payment.provider == "mollie" and payment.status == "open"
    assert payment.checkout_url.startswith(fake.root)
    assert fake.api_requests()[-1].headers["Idempotency-Key"] == payment.provider_key
    assert mollie_platform.payments.refresh(payment.id).status == "open"

    assert "paid" in pay_at_checkout(payment.checkout_url, "paid")
    for _ in range(3):
        credited = mollie_platform.payments.refresh(payment.id)
    assert credited.status == "paid" and credited.credited_at is not None
    row = WalletTransaction.get()
    assert (row.kind, row.amount, row.reference) == ("online_topup", 25000, payment.provider_payment_id)
    assert row.idempotency_key == credit_key("mollie", payment.provider_payment_id)
    assert Wallet.get().balance == 25000
    assert OutboxMessage.select().where(OutboxMessage.template == "topup_credited").count() == 1
    assert AuditEvent.select().where(AuditEvent.action == "payment.credited").count() == 1


@pytest.mark.parametrize("outcome", ["failed", "expired", "canceled"])
def test_unpaid_outcomes_credit_nothing(mollie_platform: Platform, fake: FakeMollie, outcome: str) -> None:
    manager = make_account("mo")
    organisation = make_organisation(manager)
    payment = mollie_platform.payments.start_topup(manager, organisation.id, 60_00)
    fake.set_status(payment.provider_payment_id, outcome)
    assert mollie_platform.payments.refresh(payment.id).status == outcome
    fake.set_status(payment.provider_payment_id, "paid")  # a final status never moves on our side
    assert mollie_platform.payments.refresh(payment.id).status == outcome
    listed = WalletTransaction.get()  # one failed line in the history, no money moved
    assert (listed.status, listed.failure_reason, listed.balance_after) == ("failed", f"payment_{outcome}", 0)
    assert AuditEvent.select().where(AuditEvent.action == f"payment.{outcome}").count() == 1


def test_amount_reported_differently_is_never_credited(mollie_platform: Platform, fake: FakeMollie) -> None:
    manager = make_account("mx")
    organisation = make_organisation(manager)
    payment = mollie_platform.payments.start_topup(manager, organisation.id, 60_00)
    fake.payments[payment.provider_payment_id]["amount"]["value"] = "6000.00"
    fake.set_status(payment.provider_payment_id, "paid")
    checked = mollie_platform.payments.refresh(payment.id)
    assert checked.status == "error" and checked.credited_at is None
    assert WalletTransaction.select().count() == 0


def test_provider_down_at_creation_marks_the_payment(tmp_path: Path, sqlite_url: str) -> None:
    with FakeMollie(api_key=KEY) as fake:
        platform = build_platform(tmp_path, sqlite_url, mollie_config(fake), api_key="test_notthekeynotthekeynotthekey")
    manager = make_account("mz")
    organisation = make_organisation(manager)
    with pytest.raises(PaymentProviderError):
        platform.payments.start_topup(manager, organisation.id, 60_00)
    payment = Payment.get()
    assert payment.status == "error" and payment.provider_payment_id is None
    assert AuditEvent.select().where(AuditEvent.action == "payment.refused").count() == 1
    platform.database.close()


def _post(url: str, body: bytes) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST"), timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_webhook_endpoint_credits_without_polling(tmp_path: Path, fake: FakeMollie, sqlite_url: str) -> None:
    server_platform = build_platform(tmp_path, sqlite_url, "", api_key=KEY)
    server = make_server(server_platform, "127.0.0.1", 0)
    hook = f"http://127.0.0.1:{server.server_address[1]}/webhooks/payments/mollie"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # The same configuration as the endpoint's process would read, now that its address is known.
        platform = build_platform(tmp_path, sqlite_url, mollie_config(fake, webhook_url=hook), api_key=KEY)
        server.platform = platform
        manager = make_account("wh")
        organisation = make_organisation(manager)
        payment = platform.payments.start_topup(manager, organisation.id, 75_00)
        assert fake.api_requests()[-1].json()["webhookUrl"] == hook

        pay_at_checkout(payment.checkout_url, "paid")  # Mollie then calls the webhook
        assert fake.webhook_calls == [(payment.provider_payment_id, 200)]
        assert Payment.get_by_id(payment.id).credited_at is not None
        assert Wallet.get().balance == 75_00

        assert _post(hook, b"id=tr_unknown1") == (200, "ok (unknown payment)")
        assert _post(hook, b"nothing=here")[0] == 400
        assert _post(hook.replace("/mollie", "/nosuchmethod"), b"id=tr_x")[0] == 404
        calls = len(fake.api_requests())
        assert _post(hook, f"id={payment.provider_payment_id}".encode())[0] == 200
        # Already credited: looked up once (a paid payment may still be charged back), nothing more.
        assert [(r.method, r.path) for r in fake.api_requests()[calls:]] == [
            ("GET", f"/v2/payments/{payment.provider_payment_id}")]
        second = platform.payments.start_topup(manager, organisation.id, 80_00)
        fake.fail_next(503)
        assert _post(hook, f"id={second.provider_payment_id}".encode())[0] == 502  # Mollie will retry
        assert WalletTransaction.select().count() == 1
    finally:
        server.shutdown()
        server.server_close()


def test_refunds_and_chargebacks_are_read_and_asked_as_documented(fake: FakeMollie) -> None:
    from immo_connect.contracts.payments import RefundRequest

    mollie = adapter(fake)
    created = mollie.create_payment(request(cents=100_00))
    payment_id = created.provider_payment_id
    fake.set_status(payment_id, "paid")
    assert mollie.list_reversals(payment_id) == [] and mollie.get_payment(payment_id).refunded_cents == 0

    ask = RefundRequest(provider_payment_id=payment_id, amount_cents=30_00, description="Refund",
                        idempotency_key="immo-connect-refund-1", metadata={"reversal": "7"})
    refund = mollie.create_refund(ask)
    assert mollie.create_refund(ask) == refund  # the same key: the same refund
    assert len(fake.refunds[payment_id]) == 1
    sent = [r for r in fake.api_requests() if r.method == "POST" and r.path == f"/v2/payments/{payment_id}/refunds"]
    assert sent[0].headers["Idempotency-Key"] == "immo-connect-refund-1"
    assert sent[0].json() == {"amount": {"currency": "EUR", "value": "30.00"}, "description": "Refund",
                              "metadata": {"reversal": "7"}}
    assert (refund.kind, refund.status, refund.amount_cents, refund.metadata) == ("refund", "pending", 30_00,
                                                                                   {"reversal": "7"})
    with pytest.raises(PaymentProviderError) as caught:  # more than remains
        mollie.create_refund(RefundRequest(provider_payment_id=payment_id, amount_cents=70_01, description="Too much",
                                           idempotency_key="immo-connect-refund-2"))
    assert "remaining" in caught.value.message

    chargeback = fake.charge_back(payment_id, 70_00, code="AC01", description="Account identifier incorrect")
    seen = mollie.get_payment(payment_id)
    assert (seen.refunded_cents, seen.charged_back_cents) == (30_00, 70_00)
    for mollie_status, ours in (("queued", "pending"), ("processing", "pending"), ("refunded", "refunded"),
                                ("failed", "failed"), ("canceled", "canceled")):
        fake.set_refund_status(payment_id, refund.provider_reversal_id, mollie_status)
        listed = {r.provider_reversal_id: r for r in mollie.list_reversals(payment_id)}
        assert listed[refund.provider_reversal_id].status == ours
    assert listed[chargeback].kind == "chargeback" and listed[chargeback].status == "charged_back"
    assert listed[chargeback].reason == "AC01 Account identifier incorrect"
    fake.reverse_chargeback(payment_id, chargeback)
    assert {r.provider_reversal_id: r.status for r in mollie.list_reversals(payment_id)}[chargeback] == "reversed"
    assert mollie.get_payment(payment_id).charged_back_cents == 0
    calls = len(fake.requests)
    with pytest.raises(PaymentProviderError):
        mollie.list_reversals("../../v2/payments")  # never put in a URL
    assert len(fake.requests) == calls
