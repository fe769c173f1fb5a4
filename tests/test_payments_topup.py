"""Starting and following online top-ups with the sandbox provider: checks, limits, rights, once-only credit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from immo_connect.audit import AuditEvent
from immo_connect.cli import main
from immo_connect.contracts.payments import CARD_OPTIONS, PaymentMethod, PaymentRequest
from immo_connect.errors import (
    ConfigurationError,
    ConflictError,
    ImmoConnectError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from immo_connect.mail.models import OutboxMessage
from immo_connect.payments._money import parse_amount
from immo_connect.payments.models import Payment
from immo_connect.payments.service import credit_key
from immo_connect.payments.texts import outcome_text, status_text
from immo_connect.platform import Platform
from immo_connect.wallet.models import Wallet, WalletTransaction
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.topups import SANDBOX_ON


@pytest.fixture
def platform(make_platform: Callable[..., Platform]) -> Platform:
    """A platform with the sandbox payment method switched on, as in the demo."""
    return make_platform(config_text=SANDBOX_ON)


def nothing_created() -> bool:
    return Payment.select().count() == 0 and WalletTransaction.select().count() == 0


def test_sandbox_is_off_unless_asked_for(make_platform: Callable[..., Platform]) -> None:
    for config_text in ("", "[plugins.sandbox]\nminimum_eur = 20\n"):
        platform = make_platform(config_text=config_text)
        assert {m.name for m in platform.payments.methods()} == {"bank_transfer"}
        assert not platform.settings.sandbox_enabled
        sandbox = next(p for p in platform.plugins.plugins() if p.name == "sandbox")
        assert sandbox.state == "disabled" and "enabled = true" in sandbox.reason
    manager = make_account()
    organisation = make_organisation(manager)
    with pytest.raises(NotFoundError):  # an ordinary member cannot "pay" a top-up without money
        platform.payments.start_topup(manager, organisation.id, 60_00)
    assert nothing_created()


def test_methods_offered_with_the_sandbox_on(platform: Platform) -> None:
    assert platform.settings.sandbox_enabled
    names = {m.name: m.kind for m in platform.payments.methods()}
    assert names == {"bank_transfer": "bank_transfer", "sandbox": "online"}  # Mollie needs an API key
    online = platform.payments.online_method()
    assert online.name == "sandbox" and online.test_mode
    assert [o.title for o in online.options] == ["Bancontact", "Mastercard", "Maestro", "Visa"]
    assert (online.limits.minimum_cents, online.limits.maximum_cents) == (50_00, 5000_00)
    assert [o.provider_method for o in CARD_OPTIONS] == ["bancontact", "creditcard", "creditcard", "creditcard"]


@pytest.mark.parametrize(("amount", "code"), [
    (0, "amount_not_positive"), (-5000, "amount_not_positive"), (49_99, "amount_below_minimum"),
    (5000_01, "amount_above_maximum"), (50.0, "amount_not_integer"), ("5000", "amount_not_integer"),
    (True, "amount_not_integer"),
])
def test_bad_amounts_are_refused_and_change_nothing(platform: Platform, amount: object, code: str) -> None:
    manager = make_account()
    organisation = make_organisation(manager)
    with pytest.raises(ValidationError) as caught:
        platform.payments.start_topup(manager, organisation.id, amount)  # type: ignore[arg-type]
    assert caught.value.code == code and caught.value.field == "amount"
    assert caught.value.message and caught.value.hint
    assert nothing_created()


def test_limits_are_inclusive_and_named_in_euros(platform: Platform) -> None:
    manager = make_account()
    organisation = make_organisation(manager)
    with pytest.raises(ValidationError) as caught:
        platform.payments.start_topup(manager, organisation.id, 49_99)
    assert "50,00 €" in caught.value.message and "virement" in caught.value.hint
    assert platform.payments.start_topup(manager, organisation.id, 50_00).status == "open"
    assert platform.payments.start_topup(manager, organisation.id, 5000_00).status == "open"


def test_other_bad_input(platform: Platform) -> None:
    manager = make_account()
    organisation = make_organisation(manager)
    cases: list[tuple[Callable[[], object], type[ImmoConnectError], str]] = [
        (lambda: platform.payments.start_topup(manager, 999_999, 60_00), NotFoundError, "wallet_not_found"),
        (lambda: platform.payments.start_topup(manager, "1", 60_00), ValidationError, "organisation_invalid"),  # type: ignore[arg-type]
        (lambda: platform.payments.start_topup(manager, organisation.id, 60_00, option="amex"), ValidationError,
         "option_unknown"),
        (lambda: platform.payments.start_topup(manager, organisation.id, 60_00, provider="paypal"), NotFoundError,
         "payment_method_unavailable"),
        (lambda: platform.payments.refresh(424242), NotFoundError, "payment_not_found"),
    ]
    for call, error, code in cases:
        with pytest.raises(error) as caught:
            call()
        assert caught.value.code == code
    assert nothing_created()


def test_who_may_top_up(platform: Platform) -> None:
    manager = make_account("manager")
    employee = make_account("employee")
    organisation = make_organisation(manager)
    add_member(organisation, employee, wallet_right="top_up")
    # An employee with the top-up right may top up (the managers are told by mail).
    assert platform.payments.start_topup(employee, organisation.id, 60_00).status == "open"

    outsider = make_account("outsider")
    waiting = make_account("waiting")
    add_member(organisation, waiting, status="pending")
    blocked = make_account("blocked")
    add_member(organisation, blocked, status="blocked")
    locked = make_account("locked", status="blocked")
    add_member(organisation, locked)
    before = Payment.select().count()
    refused = AuditEvent.select().where(AuditEvent.outcome == "refused")
    refused_before = refused.count()
    for actor in (outsider, waiting, blocked, locked):
        with pytest.raises(PermissionDenied):
            platform.payments.start_topup(actor, organisation.id, 60_00)
        with pytest.raises(PermissionDenied):
            platform.payments.transfer_details(actor, organisation.id)
    assert Payment.select().count() == before
    assert refused.count() == refused_before + 8  # every refusal is audited
    payment = Payment.get()
    with pytest.raises(PermissionDenied):  # nor follow someone else's payment
        platform.payments.refresh(payment.id, actor=outsider)


def test_paid_topup_is_credited_exactly_once_and_managers_mailed(platform: Platform) -> None:
    manager = make_account("m1", first_name="Marie")
    co_manager = make_account("m2", language="en")
    employee = make_account("e1")
    organisation = make_organisation(manager, name="Agence Delvaux")
    add_member(organisation, co_manager, is_manager=True)
    add_member(organisation, employee, wallet_right="top_up")
    payment = platform.payments.start_topup(employee, organisation.id, 123_45, option="bancontact")
    assert payment.status == "open" and payment.checkout_url
    assert WalletTransaction.select().count() == 0

    platform.payments.simulate(employee, payment.id, "paid")
    for _ in range(3):
        platform.payments.refresh(payment.id)
    assert platform.payments.follow_open() == {}
    row = WalletTransaction.get()
    assert (row.kind, row.amount, row.actor_id, row.status) == ("online_topup", 12345, employee.id, "succeeded")
    assert Wallet.get(Wallet.organisation == organisation.id).balance == 12345
    mails = {m.recipient: m for m in OutboxMessage.select().where(OutboxMessage.template == "topup_credited")}
    assert set(mails) == {manager.email, co_manager.email}
    assert "123,45 €" in mails[manager.email].subject and "Agence Delvaux" in mails[manager.email].subject
    assert mails[co_manager.email].language == "en" and "added to the wallet" in mails[co_manager.email].subject
    assert AuditEvent.select().where(AuditEvent.action == "payment.credited").count() == 1
    final = Payment.get_by_id(payment.id)
    assert final.transaction_id == row.id and final.checkout_url == ""


def test_unpaid_outcomes_and_their_words(platform: Platform) -> None:
    manager = make_account()
    organisation = make_organisation(manager)
    for outcome in ("failed", "canceled", "expired"):
        payment = platform.payments.start_topup(manager, organisation.id, 60_00)
        assert platform.payments.simulate(manager, payment.id, outcome).status == outcome  # type: ignore[arg-type]
        assert status_text(outcome).startswith("✗") and outcome_text(outcome, "60,00 €")
        platform.payments.refresh(payment.id)  # looked up again: still one line
    # Listed in the wallet's history with their status; no money moved.
    rows = list(WalletTransaction.select().order_by(WalletTransaction.number))
    assert [(r.kind, r.status, r.failure_reason, r.amount, r.balance_after, r.actor_id) for r in rows] == [
        ("online_topup", "failed", f"payment_{outcome}", 60_00, 0, manager.id)
        for outcome in ("failed", "canceled", "expired")]
    assert Wallet.get().balance == 0
    from tests.support.wallet import ledger_problems

    assert ledger_problems() == []
    assert status_text("open").startswith("⏳") and status_text("paid") == "✓ Payé"
    assert outcome_text("paid", "60,00 €") == "Paiement reçu : 60,00 € ont été ajoutés au Wallet."


def test_request_key_makes_a_resubmission_harmless(platform: Platform) -> None:
    manager = make_account()
    organisation = make_organisation(manager)
    first = platform.payments.start_topup(manager, organisation.id, 60_00, request_key="form-1")
    again = platform.payments.start_topup(manager, organisation.id, 60_00, request_key="form-1")
    assert again.id == first.id and again.provider_payment_id == first.provider_payment_id
    with pytest.raises(ConflictError):
        platform.payments.start_topup(manager, organisation.id, 70_00, request_key="form-1")
    assert Payment.select().count() == 1


def test_limits_come_from_plugins_toml(make_platform: Callable[..., Platform]) -> None:
    platform = make_platform(config_text=SANDBOX_ON + "minimum_eur = 20\nmaximum_eur = 100\n"
                                         'options = ["bancontact", "visa"]\n')
    manager = make_account()
    organisation = make_organisation(manager)
    assert platform.payments.start_topup(manager, organisation.id, 20_00).status == "open"
    for cents in (19_99, 100_01):
        with pytest.raises(ValidationError):
            platform.payments.start_topup(manager, organisation.id, cents)
    with pytest.raises(ValidationError):
        platform.payments.start_topup(manager, organisation.id, 30_00, option="maestro")
    for bad, key in (("minimum_eur = 0", "minimum_eur"), ("minimum_eur = 90\nmaximum_eur = 80", "maximum_eur"),
                     ('options = ["amex"]', "options"), ('minimum_eur = "50"', "minimum_eur")):
        with pytest.raises(ConfigurationError) as caught:
            make_platform(config_text=f"{SANDBOX_ON}{bad}\n")
        assert "[plugins.sandbox]" in str(caught.value) and key in str(caught.value)


def test_transfer_details_show_the_platform_account_and_the_wallet_communication(
    make_platform: Callable[..., Platform],
) -> None:
    platform = make_platform()
    manager = make_account()
    organisation = make_organisation(manager)
    details = platform.payments.transfer_details(manager, organisation.id)
    assert (details.iban, details.bic, details.beneficiary) == ("BE71 0961 2345 6769", "GKCCBEBB", "Immo-Connect SRL")
    assert details.communication == platform.wallet.structured_communication(organisation.id)
    assert details.communication.startswith("+++") and details.processing_days == 3
    other = make_platform(config_text='[plugins.bank_transfer]\niban = "BE36 7340 1234 5681"\nbic = "KREDBEBB"\n'
                                      "processing_days = 2\n")
    details = other.payments.transfer_details(manager, organisation.id)
    assert (details.iban, details.bic, details.processing_days) == ("BE36 7340 1234 5681", "KREDBEBB", 2)
    with pytest.raises(ConfigurationError) as caught:
        make_platform(config_text='[plugins.bank_transfer]\niban = "BE36 7340 1234 5680"\n')
    assert "iban" in str(caught.value)


def test_methods_can_be_disabled(make_platform: Callable[..., Platform]) -> None:
    platform = make_platform(config_text="[plugins.sandbox]\nenabled = false\n")
    manager = make_account()
    organisation = make_organisation(manager)
    with pytest.raises(NotFoundError) as caught:
        platform.payments.start_topup(manager, organisation.id, 60_00)
    assert "virement" in caught.value.hint
    assert platform.payments.transfer_details(manager, organisation.id).iban


def test_the_contract_defaults_refuse_what_a_method_does_not_do() -> None:
    method = PaymentMethod()
    method.name = "nothing"
    with pytest.raises(NotImplementedError):
        method.create_payment(PaymentRequest(5000, "x", "k"))
    with pytest.raises(NotImplementedError):
        method.get_payment("p")
    with pytest.raises(NotImplementedError):
        method.simulate("p", "paid")
    with pytest.raises(NotImplementedError):
        method.transfer_details(communication="", beneficiary="", iban="", bic="")
    assert method.payment_id_from_webhook({}, b"id=1") is None and method.option("visa") is None


@pytest.mark.parametrize(("text", "cents"), [
    ("50", 5000), ("50,00", 5000), ("75.5", 7550), ("1 234,56", 123456), ("1.234,56", 123456),
    ("€ 60", 6000), ("60 EUR", 6000), ("eur 12,5", 1250), ("12€", 1200),
])
def test_typed_amounts(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["", "0", "-50", "abc", "12,345", "1,2,3", "50,001", "1.23.4"])
def test_typed_amounts_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_amount(text)
    assert caught.value.field == "amount"


def test_typed_amount_above_one_wallet_movement_is_refused_as_too_large() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_amount("1.000.000.000,01")
    assert caught.value.code == "amount_too_large" and caught.value.hint
    assert parse_amount("1.000.000.000") == 10**11


def test_cli_poll_and_list(platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    manager = make_account()
    organisation = make_organisation(manager)
    paid = platform.payments.start_topup(manager, organisation.id, 60_00)
    open_one = platform.payments.start_topup(manager, organisation.id, 70_00)
    platform.plugins.payment_methods()[1].simulate(paid.provider_payment_id, "paid")  # the payer paid
    config = tmp_path / "plugins.toml"
    config.write_text(SANDBOX_ON)
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    base = ["--config", str(config), "--database-url", platform.settings.database_url]
    assert main([*base, "payments", "poll", "--once"]) == 0
    assert capsys.readouterr().out.strip() == "⏳ En attente de votre paiement : 1, ✓ Payé : 1"  # the screens' words
    assert Payment.get_by_id(paid.id).credited_at is not None
    assert Payment.get_by_id(open_one.id).credited_at is None
    from tests.support.operators import make_operator

    make_operator("fin.anne", "finance")
    assert main([*base, "payments", "list", "--organisation", str(organisation.id), "--as", "fin.anne"]) == 0
    listing = capsys.readouterr().out
    assert "60,00 €" in listing and "70,00 €" in listing and "sandbox/bancontact" in listing


def test_a_second_process_that_also_saw_paid_credits_nothing_more(platform: Platform) -> None:
    manager = make_account()
    organisation = make_organisation(manager)
    payment = platform.payments.start_topup(manager, organisation.id, 80_00)
    method = platform.payments.online_method()
    remote = method.simulate(payment.provider_payment_id, "paid")
    # Both pollers fetched "paid" before either credited: both run the credit step.
    platform.payments._credit(Payment.get_by_id(payment.id), remote)
    platform.payments._credit(Payment.get_by_id(payment.id), remote)
    assert WalletTransaction.select().count() == 1
    assert OutboxMessage.select().where(OutboxMessage.template == "topup_credited").count() == 1
    assert AuditEvent.select().where(AuditEvent.action == "payment.credited").count() == 1


def test_a_crash_between_credit_and_bookkeeping_is_repaired_by_the_next_lookup(platform: Platform) -> None:
    manager = make_account()
    organisation = make_organisation(manager)
    payment = platform.payments.start_topup(manager, organisation.id, 90_00)
    platform.payments.online_method().simulate(payment.provider_payment_id, "paid")
    # The wallet credit committed, then the process died before marking the payment.
    platform.wallet.credit(organisation.id, 90_00, kind="online_topup", description=payment.description,
                           idempotency_key=credit_key("sandbox", payment.provider_payment_id),
                           actor=manager.id, reference=payment.provider_payment_id)
    repaired = platform.payments.refresh(payment.id)
    assert repaired.credited_at is not None
    assert WalletTransaction.select().count() == 1
    assert Wallet.get(Wallet.organisation == organisation.id).balance == 90_00
    assert OutboxMessage.select().where(OutboxMessage.template == "topup_credited").count() == 1


def test_demo_step_is_idempotent(platform: Platform) -> None:
    from immo_connect import demo
    from immo_connect.bank.models import BankEntry
    from immo_connect.organisations.models import Organisation

    topups = WalletTransaction.select().where(WalletTransaction.kind.in_(["online_topup", "bank_transfer"]))
    demo.create(platform)
    after_first = topups.count()
    demo.create(platform)
    peeters = Organisation.get(Organisation.enterprise_number == "0750000040")
    assert Wallet.get(Wallet.organisation == peeters.id).balance >= 250_00 + 500_00
    assert after_first >= 2  # the online and the bank transfer top-up of this step (and the wallet's history)
    assert topups.count() == after_first  # running the demo again adds none
    assert BankEntry.select().where(BankEntry.status == "suspense").count() == 1
