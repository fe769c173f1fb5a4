"""The finance desk: corrections and refunds above the limit wait for a second finance
operator (four eyes); the suspense list, imports and reconciliation through the back office."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from immo_connect import audit
from immo_connect.errors import ConflictError, PermissionDenied, ValidationError
from immo_connect.operators.models import MoneyRequest
from immo_connect.organisations.models import Organisation
from immo_connect.platform import Platform
from immo_connect.storage import transaction
from tests.support.accounts import mails_to
from tests.support.factories import make_account, make_organisation
from tests.support.operators import assert_only_another_finance_operator_approves, make_operator
from tests.support.wallet import balances, ledger_problems, posting_count

LIMIT = "[operators]\nsecond_approval_above_euros = 100\n"


@pytest.fixture
def finance(make_platform: Callable[..., Platform], database_url: str) -> Platform:
    return make_platform(database_url, config_text=LIMIT)


def _agency() -> int:
    return int(make_organisation(make_account(), name="Agence Lumière").id)


def test_up_to_the_limit_a_correction_is_booked_at_once(finance: Platform) -> None:
    organisation = _agency()
    anne = make_operator("anne.finance", "finance")
    row = finance.operators.money.request(anne, organisation, "credit", 100_00, "goodwill, ticket 12")
    assert row.status == "booked" and row.transaction_id is not None
    assert balances()[organisation] == 100_00
    assert ledger_problems() == []
    event = audit.AuditEvent.get(audit.AuditEvent.action == "operator.money_booked")
    assert event.actor == "anne.finance" and "goodwill, ticket 12" in event.detail
    told = mails_to(str(Organisation.get_by_id(organisation).memberships[0].account.email), "operator_action")
    assert len(told) == 1 and "goodwill, ticket 12" in told[0].plain_text()  # the manager knows what and why


def test_above_the_limit_a_second_finance_operator_approves_once(finance: Platform) -> None:
    organisation = _agency()
    anne, bert = make_operator("anne.finance", "finance"), make_operator("bert.finance", "finance")
    helpdesk = make_operator("carl.help", "helpdesk")
    row = finance.operators.money.request(anne, organisation, "credit", 100_01, "double payment, ticket 13",
                                          client_key="ticket-13")
    assert row.status == "pending" and row.transaction_id is None
    assert organisation not in balances() or balances()[organisation] == 0
    assert [r.id for r in finance.operators.money.pending(bert)] == [row.id]

    assert_only_another_finance_operator_approves(finance, row.id, anne, helpdesk)

    with pytest.raises(ValidationError) as unexplained:  # the second operator says why, too
        finance.operators.money.approve(bert, row.id, "  ")
    assert unexplained.value.code == "reason_required" and MoneyRequest.get_by_id(row.id).status == "pending"
    booked = finance.operators.money.approve(bert, row.id, "bank statement checked, ticket 13")
    assert booked.status == "booked" and booked.decided_by_key == int(bert.id)
    assert booked.decision_reason == "bank statement checked, ticket 13" and booked.reason == "double payment, ticket 13"
    approved = audit.AuditEvent.get((audit.AuditEvent.action == "operator.money_approved")
                                    & (audit.AuditEvent.outcome == "success"))
    assert approved.actor == "bert.finance" and '"reason": "bank statement checked, ticket 13"' in approved.detail
    assert '"request_reason": "double payment, ticket 13"' in approved.detail
    decided = finance.operators.money.overview(anne).decided
    assert [(d.id, d.decided_by, d.status, d.decision_reason) for d in decided] == [
        (row.id, "bert.finance", "booked", "bank statement checked, ticket 13")]
    assert balances()[organisation] == 100_01
    postings = posting_count()
    with pytest.raises(ConflictError) as twice:  # approving twice changes nothing
        finance.operators.money.approve(bert, row.id, "checked, ticket 12")
    assert twice.value.code == "request_decided"
    with pytest.raises(PermissionDenied):
        finance.operators.money.approve(anne, row.id, "checked, ticket 12")
    replay = finance.operators.money.request(anne, organisation, "credit", 100_01, "double payment, ticket 13",
                                             client_key="ticket-13")
    assert replay.id == row.id and replay.status == "booked"
    with pytest.raises(ConflictError):
        finance.operators.money.request(anne, organisation, "credit", 200_00, "other", client_key="ticket-13")
    assert posting_count() == postings and balances()[organisation] == 100_01
    assert ledger_problems() == []
    refused = audit.AuditEvent.select().where((audit.AuditEvent.outcome == "refused")
                                              & (audit.AuditEvent.action == "operator.money_approved"))
    assert {event.actor for event in refused} == {"anne.finance", "carl.help"}


def test_an_interrupted_approval_is_finished_by_its_approver_and_booked_once(finance: Platform) -> None:
    organisation = _agency()
    anne, bert = make_operator("anne.finance", "finance"), make_operator("bert.finance", "finance")
    row = finance.operators.money.request(anne, organisation, "credit", 500_00, "ticket 14")
    with transaction():  # the approval was claimed, then the process stopped before booking
        MoneyRequest.update(status="approved", decided_by=bert.id).where(MoneyRequest.id == row.id).execute()
    with pytest.raises(ConflictError):
        finance.operators.money.approve(make_operator("dora.finance", "finance"), row.id, "checked, ticket 12")
    assert finance.operators.money.approve(bert, row.id, "checked, ticket 12").status == "booked"
    assert balances()[organisation] == 500_00 and ledger_problems() == []


def test_a_rejected_request_books_nothing(finance: Platform) -> None:
    organisation = _agency()
    anne, bert = make_operator("anne.finance", "finance"), make_operator("bert.finance", "finance")
    row = finance.operators.money.request(anne, organisation, "debit", 300_00, "ticket 15")
    rejected = finance.operators.money.reject(bert, row.id, "no such agreement")
    assert (rejected.status, rejected.decision_reason) == ("rejected", "no such agreement")
    event = audit.AuditEvent.get(audit.AuditEvent.action == "operator.money_rejected")
    assert '"reason": "no such agreement"' in event.detail and '"request_reason": "ticket 15"' in event.detail
    assert [(d.status, d.decision_reason) for d in finance.operators.money.overview(anne).decided] == [
        ("rejected", "no such agreement")]
    with pytest.raises(ConflictError):
        finance.operators.money.approve(bert, row.id, "checked, ticket 12")
    assert balances().get(organisation, 0) == 0 and ledger_problems() == []


def test_a_debit_above_the_balance_fails_and_a_refund_takes_back_a_top_up(finance: Platform) -> None:
    organisation = _agency()
    anne, bert = make_operator("anne.finance", "finance"), make_operator("bert.finance", "finance")
    assert finance.operators.money.request(anne, organisation, "debit", 10_00, "ticket 16").status == "failed"
    top_up = finance.wallet.credit(organisation, 250_00, kind="bank_transfer", description="Virement",
                                   idempotency_key="test:topup:1")
    refund = finance.operators.money.request(anne, organisation, "refund", 150_00, "unused credit, ticket 17",
                                             original_transaction_id=int(top_up.id))
    assert refund.status == "pending"
    assert finance.operators.money.approve(bert, refund.id, "checked, ticket 12").status == "booked"
    assert balances()[organisation] == 100_00 and ledger_problems() == []


def test_the_limit_is_a_checked_setting(tmp_path: object, make_platform: Callable[..., Platform]) -> None:
    from immo_connect.config import ConfigurationError

    with pytest.raises(ConfigurationError):
        make_platform(config_text="[operators]\nsecond_approval_above_euros = -1\n")


def test_two_approvals_at_once_book_once(finance: Platform) -> None:
    import threading

    organisation = _agency()
    anne = make_operator("anne.finance", "finance")
    approvers = [make_operator(f"approver{n}", "finance") for n in range(4)]
    row = finance.operators.money.request(anne, organisation, "credit", 700_00, "ticket 18")
    outcomes: list[str] = []
    start = threading.Barrier(len(approvers))

    def approve(approver: object) -> None:
        start.wait()
        try:
            outcomes.append(finance.operators.money.approve(approver, row.id, "checked, ticket 12").status)  # type: ignore[arg-type]
        except ConflictError as error:
            outcomes.append(str(error.code))

    threads = [threading.Thread(target=approve, args=(a,)) for a in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["booked"] + ["request_decided"] * 3, outcomes
    assert balances()[organisation] == 700_00 and ledger_problems() == []


def test_a_database_from_before_the_decision_reason_gets_its_column(finance: Platform) -> None:
    from immo_connect.storage import database, upgrade
    from immo_connect.storage._migrations import SchemaMigration

    organisation = _agency()
    anne = make_operator("anne.finance", "finance")
    row = finance.operators.money.request(anne, organisation, "credit", 300_00, "ticket 16")
    db = database.obj
    with transaction():
        db.execute_sql("ALTER TABLE money_request DROP COLUMN decision_reason")
        SchemaMigration.delete().where((SchemaMigration.component == "immo_connect.operators.models")
                                       & (SchemaMigration.version == 3)).execute()
    assert upgrade() == ["immo_connect.operators.models:3 the reason of a money request's approval or rejection"]
    bert = make_operator("bert.finance", "finance")
    assert finance.operators.money.approve(bert, row.id, "checked, ticket 16").decision_reason == "checked, ticket 16"


def _suspense_entry() -> int:
    from immo_connect.bank.models import BankEntry, StatementImport
    from immo_connect.clock import utcnow

    with transaction():
        imported = StatementImport.create(filename="x.cod", format="coda", sha256="1" * 64, operator="t",
                                          imported_at=utcnow())
        entry = BankEntry.create(entry_key="k1", statement_import=imported, format="coda", position="1",
                                 amount_cents=40_00, status="suspense", problem="no_communication",
                                 created_at=utcnow())
    return int(entry.id)


def test_an_assignment_and_the_operators_reason_commit_together(finance: Platform,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from immo_connect.bank.models import BankEntry
    from immo_connect.operators.money import MoneyDesk

    organisation, entry_id = _agency(), _suspense_entry()
    anne = make_operator("anne.finance", "finance")

    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit could not be written")

    monkeypatch.setattr(MoneyDesk, "record", fails)
    with pytest.raises(RuntimeError):
        finance.operators.money.assign(anne, entry_id, organisation, "payer called, ticket 20")
    # Nothing of the change stays: no credit, the entry still waits, no audit without its reason.
    assert BankEntry.get_by_id(entry_id).status == "suspense"
    assert balances().get(organisation, 0) == 0
    assert not audit.AuditEvent.select().where(audit.AuditEvent.action == "bank.assigned").exists()
    monkeypatch.undo()
    assigned = finance.operators.money.assign(anne, entry_id, organisation, "payer called, ticket 20")
    assert assigned.status == "assigned" and balances()[organisation] == 40_00 and ledger_problems() == []
    assert audit.AuditEvent.get(audit.AuditEvent.action == "operator.bank_assigned").actor == "anne.finance"


def test_an_entry_assigned_meanwhile_is_not_claimed_by_a_second_operator(finance: Platform,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from immo_connect.bank.models import BankEntry

    organisation, entry_id = _agency(), _suspense_entry()
    anne, bert = make_operator("anne.finance", "finance"), make_operator("bert.finance", "finance")
    stale = BankEntry.get_by_id(entry_id)  # what bert's screen read before anne's assignment committed
    finance.operators.money.assign(anne, entry_id, organisation, "payer called, ticket 21")
    reads = iter([stale])  # its first read is stale, the one after its claim is not
    monkeypatch.setattr(finance.bank, "entry", lambda _id: next(reads, None) or BankEntry.get_by_id(_id))
    with pytest.raises(ConflictError) as late:
        finance.operators.money.assign(bert, entry_id, organisation, "payer called too, ticket 22")
    assert late.value.code == "bank_entry_resolved" and "anne.finance" in late.value.message
    assert [e.actor for e in audit.AuditEvent.select().where(
        audit.AuditEvent.action == "operator.bank_assigned")] == ["anne.finance"]
    assert balances()[organisation] == 40_00


def test_the_requests_waiting_are_read_with_who_asked_in_one_statement(finance: Platform) -> None:
    from tests.support.round_trips import statements_sent

    organisation = _agency()
    anne, bert = make_operator("anne.finance", "finance"), make_operator("bert.finance", "finance")
    for n in range(5):
        finance.operators.money.request(anne if n % 2 else bert, organisation, "credit", 200_00, f"ticket {n}")
    rows = finance.operators.money.pending(anne)
    with statements_sent() as sent:  # what `operators pending` prints of each row
        asked = [(int(row.organisation_key), row.requested_by.username) for row in rows]
    assert asked == [(organisation, "bert.finance" if n % 2 == 0 else "anne.finance") for n in range(5)]
    assert sent == []
