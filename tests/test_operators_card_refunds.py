"""Card refunds are money requests of the finance desk: a finance operator asks with a reason,
above the limit a second finance operator approves, and only then the provider refunds the
card (through the sandbox provider, on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from immo_connect import audit
from immo_connect.errors import ConflictError, ImmoConnectError, ValidationError
from immo_connect.operators.models import MoneyRequest
from immo_connect.payments.models import Payment, PaymentReversal
from immo_connect.platform import Platform
from immo_connect.plugins.payments.sandbox import SandboxReversal
from tests.support.accounts import mails_to
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.operators import assert_only_another_finance_operator_approves, make_operator
from tests.support.topups import SANDBOX_ON
from tests.support.wallet import balances, ledger_problems

LIMIT = "[operators]\nsecond_approval_above_euros = 100\n"


@pytest.fixture
def finance(make_platform: Callable[..., Platform], database_url: str) -> Platform:
    return make_platform(database_url, config_text=SANDBOX_ON + LIMIT)


def paid(platform: Platform, cents: int = 300_00) -> Payment:
    manager = make_account("sandra")
    organisation = make_organisation(manager, name="Agence Lumière")
    add_member(organisation, make_account("emile"))
    payment = platform.payments.start_topup(manager, organisation.id, cents)
    return platform.payments.simulate(manager, payment.id, "paid")


def test_up_to_the_limit_the_card_is_refunded_at_once(finance: Platform) -> None:
    payment = paid(finance)
    anne = make_operator("anne.finance", "finance")
    row = finance.operators.money.refund_payment(anne, payment.id, 60_00, "manager asked, ticket 21")
    assert (row.kind, row.status) == ("card_refund", "booked")
    assert SandboxReversal.get().status == "refunded" and SandboxReversal.get().amount_cents == 60_00
    reversal = PaymentReversal.get()
    assert reversal.status == "refunded" and row.transaction_id == reversal.transaction_id
    assert balances()[payment.organisation_id] == 240_00 and ledger_problems() == []
    booked = audit.AuditEvent.get(audit.AuditEvent.action == "operator.money_booked")
    assert booked.actor == "anne.finance" and "manager asked, ticket 21" in booked.detail
    assert mails_to("sandra@example.be", "topup_taken_back")  # the managers are told


def test_above_the_limit_nothing_reaches_the_provider_before_a_second_approval(finance: Platform) -> None:
    payment = paid(finance)
    anne, bert = make_operator("anne.finance", "finance"), make_operator("bert.finance", "finance")
    carl = make_operator("carl.help", "helpdesk")
    row = finance.operators.money.refund_payment(anne, payment.id, 250_00, "unused credit, ticket 22",
                                                 client_key="ticket-22")
    assert (row.kind, row.status) == ("card_refund", "pending")
    assert not SandboxReversal.select().exists() and not PaymentReversal.select().exists()
    assert balances()[payment.organisation_id] == 300_00
    with pytest.raises(ConflictError):  # the payments service refunds only an approved request
        finance.payments.refund_approved(row.id)
    assert_only_another_finance_operator_approves(finance, row.id, anne, carl)
    assert not SandboxReversal.select().exists()

    assert finance.operators.money.approve(bert, row.id, "checked, ticket 12").status == "booked"
    with pytest.raises(ConflictError):
        finance.operators.money.approve(bert, row.id, "checked, ticket 12")
    again = finance.operators.money.refund_payment(anne, payment.id, 250_00, "unused credit, ticket 22",
                                                   client_key="ticket-22")
    assert again.id == row.id
    assert SandboxReversal.select().count() == 1 and PaymentReversal.select().count() == 1
    assert balances()[payment.organisation_id] == 50_00 and ledger_problems() == []


def test_a_refund_of_a_card_top_up_goes_through_the_provider(finance: Platform) -> None:
    payment = paid(finance)
    anne = make_operator("anne.finance", "finance")
    row = finance.operators.money.request(anne, payment.organisation_id, "refund", 20_00, "ticket 23",
                                          original_transaction_id=int(payment.transaction_id))
    assert (row.kind, row.status) == ("card_refund", "booked")
    assert SandboxReversal.get().status == "refunded"
    transfer = finance.wallet.credit(payment.organisation_id, 50_00, kind="bank_transfer", description="Virement",
                                     idempotency_key="test:transfer")
    with pytest.raises(ValidationError) as not_a_card:
        finance.operators.money.request(anne, payment.organisation_id, "card_refund", 10_00, "ticket 24",
                                        original_transaction_id=int(transfer.id))
    assert not_a_card.value.code == "refund_not_possible"


def test_what_cannot_be_refunded_is_refused_before_and_when_booking(finance: Platform) -> None:
    payment = paid(finance)
    other = make_organisation(make_account("olga"), name="Autre agence")
    anne, bert = make_operator("anne.finance", "finance"), make_operator("bert.finance", "finance")
    with pytest.raises(ValidationError) as too_much:
        finance.operators.money.refund_payment(anne, payment.id, 300_01, "ticket 25")
    assert too_much.value.code == "refund_above_top_up"
    with pytest.raises(ValidationError) as elsewhere:
        finance.operators.money.request(anne, other.id, "card_refund", 10_00, "ticket 25",
                                        original_transaction_id=int(payment.transaction_id))
    assert elsewhere.value.code == "top_up_elsewhere"
    row = finance.operators.money.refund_payment(anne, payment.id, 200_00, "ticket 26")
    # The money leaves the wallet before the approval: the booking fails, nothing reaches the provider.
    debit = finance.operators.money.request(anne, payment.organisation_id, "debit", 100_01, "spent, ticket 27")
    assert finance.operators.money.approve(bert, debit.id, "checked, ticket 12").status == "booked"
    with pytest.raises(ImmoConnectError) as refused:
        finance.operators.money.approve(bert, row.id, "checked, ticket 12")
    assert refused.value.code == "refund_above_balance"
    assert MoneyRequest.get_by_id(row.id).status == "failed"
    assert not SandboxReversal.select().exists()
    assert balances()[payment.organisation_id] == 199_99 and ledger_problems() == []
    failed = audit.AuditEvent.get((audit.AuditEvent.action == "operator.money_booked")
                                  & (audit.AuditEvent.target == f"money_request:{row.id}"))
    assert "refund_above_balance" in failed.detail
