"""The wallet API on SQLite and PostgreSQL: movements, idempotency, refusals, audit, hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import peewee
import pytest

from immo_connect import audit, hookimpl, i18n
from immo_connect.audit import AuditEvent
from immo_connect.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from immo_connect.formats import ogm
from immo_connect.platform import Platform
from immo_connect.storage import database
from immo_connect.wallet import Wallet, WalletTransaction
from immo_connect.wallet.invariants import platform_accounts
from tests.support.factories import add_member
from tests.support.wallet import Scene, balances, ledger_problems, make_scene, posting_count


class Recorder:
    """A plugin that remembers every posted transaction (the event hook)."""

    def __init__(self) -> None:
        self.posted: list[Any] = []

    @hookimpl
    def immo_connect_transaction_posted(self, transaction: Any) -> None:
        self.posted.append(transaction)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def wallet_platform(make_platform: Callable[..., Platform], database_url: str, recorder: Recorder) -> Platform:
    return make_platform(database_url, extra_plugins={"recorder": recorder})


@pytest.fixture
def scene(wallet_platform: Platform) -> Scene:
    return make_scene()


def test_credit_charge_and_transfer_move_money_with_postings(
    wallet_platform: Platform, scene: Scene, recorder: Recorder
) -> None:
    wallet = wallet_platform.wallet
    top_up = wallet.credit(scene.first.id, 10_000, kind="online_topup", description="Bancontact top-up",
                           idempotency_key="test:topup:1", actor=scene.member, reference="tr_1")
    assert (top_up.number, top_up.amount, top_up.balance_before, top_up.balance_after) == (1, 10_000, 0, 10_000)
    assert top_up.status == "succeeded" and top_up.actor_name == scene.member.username

    used = wallet.charge(scene.member, scene.first.id, 1_250, tool="cadastrefinder",
                         description="Parcel search", idempotency_key="test:charge:1")
    assert (used.number, used.amount, used.balance_before, used.balance_after) == (2, -1_250, 10_000, 8_750)
    assert used.kind == "tool_usage" and used.type_key == "tool:cadastrefinder"

    out = wallet.transfer(scene.manager, scene.first.id, scene.second.id, 3_000, description="Budget Gent",
                          idempotency_key="test:transfer:1")
    assert (out.amount, out.balance_after, out.status) == (-3_000, 5_750, "succeeded")
    incoming = WalletTransaction.get(WalletTransaction.counterpart_transaction_id == out.id)
    assert (incoming.amount, incoming.balance_before, incoming.balance_after, incoming.number) == (3_000, 0, 3_000, 1)

    assert balances() == {scene.first.id: 5_750, scene.second.id: 3_000}
    accounts = platform_accounts()
    assert accounts["platform:online_topups"] == -10_000
    assert accounts["platform:tool:cadastrefinder"] == 1_250
    assert sum(accounts.values()) == 0
    assert posting_count() == 3  # the incoming half of the transfer has none
    assert ledger_problems() == []
    assert [t.id for t in recorder.posted] == [top_up.id, used.id, out.id, incoming.id]
    # Each movement is audited once, by its ledger row; the audit log shows it like any event.
    events = list(audit.query(audit.AuditFilter(action="wallet.")))
    assert [e.action for e in reversed(events)] == ["wallet.credit", "wallet.charge", "wallet.transfer",
                                                     "wallet.transfer_in"]
    assert [e.organisation_id for e in reversed(events)] == [scene.first.id] * 3 + [scene.second.id]
    assert {e.outcome for e in events} == {"success"} and events[2].actor == scene.member.username
    assert not AuditEvent.select().where(AuditEvent.action.startswith("wallet.")).exists()


def test_charge_above_the_balance_is_recorded_as_failed(wallet_platform: Platform, scene: Scene) -> None:
    wallet = wallet_platform.wallet
    wallet.credit(scene.first.id, 1_000, kind="bank_transfer", description="Transfer", idempotency_key="k:1")
    failed = wallet.charge(scene.member, scene.first.id, 1_001, tool="btv", description="Too much",
                           idempotency_key="k:2")
    assert failed.status == "failed" and failed.failure_reason == "insufficient_funds"
    assert (failed.balance_before, failed.balance_after, failed.number) == (1_000, 1_000, 2)
    assert balances()[scene.first.id] == 1_000
    # A retry of the failed request stays failed, even once money has arrived.
    wallet.credit(scene.first.id, 5_000, kind="bank_transfer", description="Transfer", idempotency_key="k:3")
    again = wallet.charge(scene.member, scene.first.id, 1_001, tool="btv", description="Too much",
                          idempotency_key="k:2")
    assert again.id == failed.id and again.status == "failed"
    exact = wallet.charge(scene.member, scene.first.id, 6_000, tool="btv", description="All of it",
                          idempotency_key="k:4")
    assert exact.status == "succeeded" and exact.balance_after == 0
    (event,) = audit.query(audit.AuditFilter(action="wallet.charge", outcome="failed"))
    assert event.organisation_id == scene.first.id and event.target == f"wallet:{failed.wallet_id}#2"
    assert '"reason": "insufficient_funds"' in event.detail
    assert ledger_problems() == []


def test_idempotency_replay_and_conflict(wallet_platform: Platform, scene: Scene, recorder: Recorder) -> None:
    wallet = wallet_platform.wallet
    first = wallet.credit(scene.first.id, 5_000, kind="online_topup", description="Top-up", idempotency_key="same")
    replay = wallet.credit(scene.first.id, 5_000, kind="online_topup", description="Top-up", idempotency_key="same")
    assert replay.id == first.id and balances()[scene.first.id] == 5_000
    assert len(recorder.posted) == 1  # a replay is not posted again
    for change in ({"amount_cents": 5_001}, {"kind": "bank_transfer"}, {"description": "Other"}):
        arguments: dict[str, Any] = {"amount_cents": 5_000, "kind": "online_topup", "description": "Top-up"} | change
        with pytest.raises(ConflictError) as caught:
            wallet.credit(scene.first.id, idempotency_key="same", **arguments)
        assert caught.value.code == "idempotency_key_reused"
    with pytest.raises(ConflictError):  # the key is platform-wide: another operation cannot reuse it
        wallet.charge(scene.member, scene.first.id, 100, tool="btv", description="Use", idempotency_key="same")
    assert WalletTransaction.select().count() == 1 and ledger_problems() == []


def test_charge_needs_an_active_member(wallet_platform: Platform, scene: Scene) -> None:
    wallet = wallet_platform.wallet
    wallet.credit(scene.first.id, 5_000, kind="online_topup", description="Top-up", idempotency_key="t:1")
    add_member(scene.second, scene.outsider, status="pending")
    with pytest.raises(PermissionDenied):
        wallet.charge(scene.outsider, scene.first.id, 100, tool="btv", description="Use", idempotency_key="t:2")
    with pytest.raises(PermissionDenied):
        wallet.charge(scene.outsider, scene.second.id, 100, tool="btv", description="Use", idempotency_key="t:3")
    scene.member.status = "blocked"
    scene.member.save()
    with pytest.raises(PermissionDenied):
        wallet.charge(scene.member, scene.first.id, 100, tool="btv", description="Use", idempotency_key="t:4")
    refused = AuditEvent.select().where((AuditEvent.action == "wallet.charge") & (AuditEvent.outcome == "refused"))
    assert refused.count() == 3
    assert balances()[scene.first.id] == 5_000 and WalletTransaction.select().count() == 1


def test_transfer_needs_a_manager_of_both_wallets(wallet_platform: Platform, scene: Scene) -> None:
    wallet = wallet_platform.wallet
    wallet.credit(scene.first.id, 5_000, kind="online_topup", description="Top-up", idempotency_key="m:1")
    with pytest.raises(PermissionDenied):  # an employee, not a manager
        wallet.transfer(scene.member, scene.first.id, scene.second.id, 100, description="x", idempotency_key="m:2")
    add_member(scene.second, scene.member, is_manager=True)
    with pytest.raises(PermissionDenied):  # manages the target only
        wallet.transfer(scene.member, scene.first.id, scene.second.id, 100, description="x", idempotency_key="m:3")
    with pytest.raises(ValidationError) as caught:
        wallet.transfer(scene.manager, scene.first.id, scene.first.id, 100, description="x", idempotency_key="m:4")
    assert caught.value.code == "transfer_same_wallet"
    too_much = wallet.transfer(scene.manager, scene.first.id, scene.second.id, 9_000, description="x",
                               idempotency_key="m:5")
    assert too_much.status == "failed"
    assert not WalletTransaction.select().where(WalletTransaction.counterpart_transaction_id == too_much.id).exists()
    assert balances() == {scene.first.id: 5_000, scene.second.id: 0}
    assert ledger_problems() == []


def test_view_needs_an_active_member(wallet_platform: Platform, scene: Scene) -> None:
    wallet = wallet_platform.wallet
    overview = wallet.overview(scene.member, scene.first.id)
    assert overview.balance_cents == 0 and not overview.is_manager
    assert ogm.is_valid(overview.structured_communication)
    with pytest.raises(PermissionDenied):
        wallet.overview(scene.outsider, scene.first.id)
    with pytest.raises(PermissionDenied):
        wallet.transactions(scene.outsider, scene.first.id)
    with pytest.raises(PermissionDenied):
        wallet.require_top_up_allowed(scene.outsider, scene.first.id)
    with pytest.raises(PermissionDenied) as caught:  # the view right does not include top-ups
        wallet.require_top_up_allowed(scene.member, scene.first.id)
    assert caught.value.code == "wallet_right_missing"
    assert [c.name for c in wallet.organisations(scene.manager)] == ["Agence Lumière", "Immo Gent"]
    assert [c.name for c in wallet.organisations(scene.member, managed_only=True)] == []


BAD_AMOUNTS = [0, -1, -500, 1.5, "100", None, True, 10**12]


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_bad_amounts_change_nothing(wallet_platform: Platform, scene: Scene, amount: Any) -> None:
    wallet = wallet_platform.wallet
    wallet.credit(scene.first.id, 5_000, kind="online_topup", description="Top-up", idempotency_key="b:0")
    before = balances()
    calls = [
        lambda: wallet.charge(scene.member, scene.first.id, amount, tool="btv", description="x", idempotency_key="b:1"),
        lambda: wallet.credit(scene.first.id, amount, kind="online_topup", description="x", idempotency_key="b:2"),
        lambda: wallet.transfer(scene.manager, scene.first.id, scene.second.id, amount, description="x",
                                idempotency_key="b:3"),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as caught:
            call()
        assert caught.value.code.startswith("amount_") and caught.value.hint
    assert balances() == before and WalletTransaction.select().count() == 1


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"kind": "gift"}, "kind_invalid"),
        ({"description": "   "}, "description_missing"),
        ({"description": "two\nlines"}, "description_characters"),
        ({"idempotency_key": ""}, "idempotency_key_invalid"),
        ({"idempotency_key": "has space"}, "idempotency_key_invalid"),
        ({"idempotency_key": "k" * 256}, "idempotency_key_invalid"),
        ({"reference": "x" * 201}, "reference_invalid"),
    ],
)
def test_bad_credit_input_changes_nothing(wallet_platform: Platform, scene: Scene, arguments: dict[str, Any],
                                          code: str) -> None:
    valid: dict[str, Any] = {"kind": "online_topup", "description": "Top-up", "idempotency_key": "c:1"}
    with pytest.raises(ValidationError) as caught:
        wallet_platform.wallet.credit(scene.first.id, 1_000, **(valid | arguments))
    assert caught.value.code == code
    assert WalletTransaction.select().count() == 0 and Wallet.select().count() == 0


def test_unknown_wallet_and_wrong_communications(wallet_platform: Platform, scene: Scene) -> None:
    wallet = wallet_platform.wallet
    with pytest.raises(NotFoundError) as caught:
        wallet.credit(999_999, 1_000, kind="bank_transfer", description="x", idempotency_key="u:1")
    assert caught.value.code == "wallet_not_found"
    with pytest.raises(ValidationError):
        wallet.credit(-3, 1_000, kind="bank_transfer", description="x", idempotency_key="u:2")
    communication = wallet.structured_communication(scene.first.id)
    assert wallet.structured_communication(scene.first.id) == communication  # stable
    assert wallet.structured_communication(scene.second.id) != communication  # unique
    found = wallet.wallet_for_communication(communication.replace("+", "*"))
    assert found is not None and found.organisation_id == scene.first.id
    assert wallet.wallet_for_communication(ogm.format_ogm(ogm.generate(1_999_999_999))) is None
    for wrong in ("+++100/0000/00100+++", "12345", "abc"):
        with pytest.raises(ValidationError) as error:
            wallet.wallet_for_communication(wrong)
        assert error.value.code.startswith("ogm_")
    assert WalletTransaction.select().count() == 0


def test_pending_credit_settles_once(wallet_platform: Platform, scene: Scene, recorder: Recorder) -> None:
    wallet = wallet_platform.wallet
    pending = wallet.credit(scene.first.id, 7_500, kind="online_topup", description="Visa", idempotency_key="p:1",
                            pending=True)
    assert pending.status == "pending" and pending.number is None and balances()[scene.first.id] == 0
    charged = wallet.charge(scene.member, scene.first.id, 100, tool="btv", description="x", idempotency_key="p:2")
    assert charged.number == 1 and charged.status == "failed"
    done = wallet.settle(pending.id, succeeded=True)
    assert (done.status, done.number, done.balance_before, done.balance_after) == ("succeeded", 2, 0, 7_500)
    assert wallet.settle(pending.id, succeeded=True).id == done.id
    with pytest.raises(ConflictError):
        wallet.settle(pending.id, succeeded=False)
    other = wallet.credit(scene.first.id, 5_000, kind="online_topup", description="Visa", idempotency_key="p:3",
                          pending=True)
    expired = wallet.settle(other.id, succeeded=False, reason="expired")
    assert expired.status == "failed" and expired.balance_after == 7_500
    assert balances()[scene.first.id] == 7_500 and ledger_problems() == []


def test_final_rows_and_their_postings_cannot_be_changed(wallet_platform: Platform, scene: Scene) -> None:
    row = wallet_platform.wallet.credit(scene.first.id, 1_000, kind="correction", description="Fix",
                                        idempotency_key="i:1")
    for statement in (
        f"UPDATE wallet_transaction SET amount = 5 WHERE id = {row.id}",
        f"DELETE FROM wallet_transaction WHERE id = {row.id}",
        f"UPDATE wallet_transaction SET credit_account = 'wallet:999' WHERE id = {row.id}",
        f"UPDATE wallet_transaction SET debit_account = NULL WHERE id = {row.id}",
    ):
        with pytest.raises(peewee.DatabaseError), database.obj.atomic():
            database.obj.execute_sql(statement)
    assert ledger_problems() == []


def test_operator_correction_can_take_money_back(wallet_platform: Platform, scene: Scene) -> None:
    wallet = wallet_platform.wallet
    wallet.credit(scene.first.id, 2_000, kind="online_topup", description="Top-up", idempotency_key="o:1")
    back = wallet.correct(scene.first.id, 500, description="Double top-up refunded", idempotency_key="o:2", debit=True)
    assert back.kind == "correction" and back.amount == -500 and back.balance_after == 1_500
    refused = wallet.correct(scene.first.id, 5_000, description="Too much", idempotency_key="o:3", debit=True)
    assert refused.status == "failed"
    assert platform_accounts()["platform:corrections"] == 500
    assert ledger_problems() == []


def test_inside_a_callers_transaction_the_hook_waits_for_its_commit(
    wallet_platform: Platform, scene: Scene, recorder: Recorder
) -> None:
    from immo_connect.storage import transaction

    wallet = wallet_platform.wallet
    with pytest.raises(RuntimeError), transaction():
        wallet.credit(scene.first.id, 1_000, kind="online_topup", description="Top-up", idempotency_key="n:1")
        assert recorder.posted == []
        raise RuntimeError("the caller's own change failed")
    assert recorder.posted == [] and WalletTransaction.select().count() == 0  # rolled back together
    with transaction():
        row = wallet.credit(scene.first.id, 1_000, kind="online_topup", description="Top-up", idempotency_key="n:2")
        assert recorder.posted == []
    assert [t.id for t in recorder.posted] == [row.id]
    assert ledger_problems() == []


@pytest.mark.parametrize(("tamper", "reported"), [
    ("UPDATE wallet_transaction SET debit_account = 'wallet:999' WHERE id = {charge}",
     ["postings sum to", "posting from wallet:999"]),
    ("UPDATE wallet_transaction SET debit_account = NULL WHERE id = {charge}",
     ["postings sum to", "posting from None"]),
    ("UPDATE wallet_transaction SET debit_account = 'platform:corrections', "
     "credit_account = 'wallet:{wallet}' WHERE id = {failed}", ["(Failed, -9000): posting from platform"]),
    ("UPDATE wallet_transaction SET balance_after = 1 WHERE id = {charge}", ["previous ended at 1"]),
    ("UPDATE wallet SET balance = 5 WHERE id = {wallet}", ["balance 5 but postings sum to 700"]),
    ("UPDATE wallet_transaction SET number = 7 WHERE id = {failed}", ["numbered rows up to 7"]),
])
def test_verify_reports_each_broken_invariant(
    wallet_platform: Platform, scene: Scene, tamper: str, reported: list[str]
) -> None:
    wallet = wallet_platform.wallet
    wallet.credit(scene.first.id, 1_000, kind="correction", description="Opening", idempotency_key="v:1")
    charge = wallet.charge(scene.member, scene.first.id, 300, tool="btv", description="Use", idempotency_key="v:2")
    failed = wallet.charge(scene.member, scene.first.id, 9_000, tool="btv", description="Too much",
                           idempotency_key="v:3")
    assert ledger_problems() == []
    db = database.obj
    with pytest.raises(RuntimeError), db.atomic():  # rolled back: the triggers come back
        if isinstance(db, peewee.PostgresqlDatabase):
            db.execute_sql("ALTER TABLE wallet_transaction DISABLE TRIGGER wallet_transaction_immutable")
        else:
            db.execute_sql("DROP TRIGGER wallet_transaction_no_update")
        db.execute_sql(tamper.format(charge=charge.id, failed=failed.id, wallet=charge.wallet_id))
        with i18n.using("en"):  # the lines are written in the reader's language
            problems = ledger_problems()
        for text in reported:
            assert any(text in problem for problem in problems), (text, problems)
        raise RuntimeError("undo")
    assert ledger_problems() == []
