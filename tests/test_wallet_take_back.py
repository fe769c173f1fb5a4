"""Money of a top-up taken back (``platform.wallet.take_back`` / ``give_back``) on SQLite and PostgreSQL:
negative balances, refused charges, links, idempotency, audit, managers' mails, the ledger check."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import peewee
import pytest
from playhouse.db_url import connect

from immo_connect import audit, i18n
from immo_connect.audit import AuditFilter
from immo_connect.errors import ConflictError, NotFoundError, ValidationError
from immo_connect.mail.models import OutboxMessage
from immo_connect.platform import Platform
from immo_connect.storage import database
from immo_connect.wallet import Wallet, WalletTransaction
from immo_connect.wallet.invariants import platform_accounts
from immo_connect.wallet.models import _balance_may_go_negative
from tests.support.factories import add_member, make_account
from tests.support.postgres import PostgresCluster
from tests.support.smtp import SmtpServer
from tests.support.wallet import Scene, ledger_problems, make_scene


@pytest.fixture
def wallet_platform(make_platform: Callable[..., Platform], database_url: str) -> Platform:
    return make_platform(database_url)


@pytest.fixture
def scene(wallet_platform: Platform) -> Scene:
    return make_scene()


def top_up(platform: Platform, scene: Scene, cents: int, key: str, kind: str = "online_topup") -> WalletTransaction:
    return platform.wallet.credit(scene.first.id, cents, kind=kind, description="Top-up", idempotency_key=key,
                                  reference=f"ref-{key}")


def mails(template: str = "topup_taken_back") -> list[OutboxMessage]:
    return list(OutboxMessage.select().where(OutboxMessage.template == template).order_by(OutboxMessage.id))


def test_chargeback_makes_the_balance_negative_and_every_debit_is_refused(
    wallet_platform: Platform, scene: Scene
) -> None:
    wallet = wallet_platform.wallet
    paid = top_up(wallet_platform, scene, 100_00, "tb:1")
    wallet.charge(scene.member, scene.first.id, 70_00, tool="cadastrefinder", description="Search",
                  idempotency_key="tb:2")
    back = wallet.take_back(scene.first.id, 100_00, original_transaction_id=paid.id, reason="chargeback",
                            description="Chargeback of the Bancontact top-up", idempotency_key="mollie:chb_1",
                            reference="chb_1")
    assert (back.kind, back.amount, back.status, back.balance_before, back.balance_after) == (
        "reversal", -100_00, "succeeded", 30_00, -70_00)
    assert (back.counterpart_transaction_id, back.failure_reason, back.reference) == (paid.id, "chargeback", "chb_1")
    assert (back.debit_account, back.credit_account) == (f"wallet:{back.wallet_id}", "platform:online_topups")
    assert Wallet.get(Wallet.organisation == scene.first.id).balance == -70_00

    # A negative wallet pays for nothing: charges, transfers and debit corrections fail cleanly.
    charge = wallet.charge(scene.member, scene.first.id, 1, tool="cadastrefinder", description="Search",
                           idempotency_key="tb:3")
    assert (charge.status, charge.failure_reason, charge.balance_after) == ("failed", "insufficient_funds", -70_00)
    moved = wallet.transfer(scene.manager, scene.first.id, scene.second.id, 1, description="Budget",
                            idempotency_key="tb:4")
    assert moved.status == "failed"
    assert wallet.correct(scene.first.id, 1, description="Fix", idempotency_key="tb:5", debit=True).status == "failed"
    # A top-up brings it back; what it covers is the debt first.
    again = top_up(wallet_platform, scene, 100_00, "tb:6")
    assert again.balance_after == 30_00
    assert wallet.charge(scene.member, scene.first.id, 30_00, tool="cadastrefinder", description="Search",
                         idempotency_key="tb:7").status == "succeeded"
    assert platform_accounts()["platform:online_topups"] == -100_00  # 200 in, 100 back out
    assert ledger_problems() == []


def test_replays_change_nothing_and_the_managers_are_mailed_once(wallet_platform: Platform, scene: Scene) -> None:
    second_manager = make_account("second.manager", first_name="Bram")
    add_member(scene.first, second_manager, is_manager=True)
    paid = top_up(wallet_platform, scene, 80_00, "rp:1")
    arguments = dict(original_transaction_id=paid.id, reason="refund", description="Refund of the top-up",
                     idempotency_key="mollie:re_1", reference="re_1")
    first = wallet_platform.wallet.take_back(scene.first.id, 50_00, **arguments)  # type: ignore[arg-type]
    for _ in range(2):
        assert wallet_platform.wallet.take_back(scene.first.id, 50_00, **arguments).id == first.id  # type: ignore[arg-type]
    assert WalletTransaction.select().where(WalletTransaction.kind == "reversal").count() == 1
    assert Wallet.get().balance == 30_00
    sent = mails()
    assert sorted(m.recipient for m in sent) == sorted([scene.manager.email, second_manager.email])
    french = next(m for m in sent if m.recipient == scene.manager.email)
    assert "50,00 € repris du Wallet de Agence Lumière" in french.subject
    assert "Remboursé au payeur" in french.plain_text() and "re_1" in french.plain_text()
    assert "négatif" not in french.plain_text()  # the balance stayed positive
    events = [e for e in audit.query(AuditFilter(action="wallet.take_back"), limit=10)]
    assert len(events) == 1 and events[0].outcome == "success"
    assert f'"linked_transaction": {paid.id}' in events[0].detail and '"reason": "refund"' in events[0].detail
    with pytest.raises(ConflictError) as caught:  # the same key for another amount
        wallet_platform.wallet.take_back(scene.first.id, 40_00, **arguments)  # type: ignore[arg-type]
    assert caught.value.code == "idempotency_key_reused"
    assert ledger_problems() == []


def test_negative_balance_is_said_in_the_managers_mail(wallet_platform: Platform, scene: Scene) -> None:
    paid = top_up(wallet_platform, scene, 60_00, "ng:1", kind="bank_transfer")
    wallet_platform.wallet.charge(scene.member, scene.first.id, 45_00, tool="btv", description="Use",
                                  idempotency_key="ng:2")
    back = wallet_platform.wallet.take_back(scene.first.id, 60_00, original_transaction_id=paid.id,
                                            reason="transfer_returned", description="Transfer returned",
                                            idempotency_key="bank:return:1")
    assert back.credit_account == "platform:bank_transfers" and back.balance_after == -45_00
    (mail,) = mails()
    assert "Le solde est maintenant négatif" in mail.plain_text() and "45,00 €" in mail.plain_text()
    assert "Virement renvoyé par la banque" in mail.plain_text()


def test_never_more_than_the_top_up_and_only_a_top_up_of_this_wallet(wallet_platform: Platform, scene: Scene) -> None:
    wallet = wallet_platform.wallet
    paid = top_up(wallet_platform, scene, 50_00, "lim:1")
    correction = wallet.credit(scene.first.id, 10_00, kind="correction", description="Gift", idempotency_key="lim:2")
    other = wallet.credit(scene.second.id, 10_00, kind="online_topup", description="Top-up", idempotency_key="lim:3")
    wallet.take_back(scene.first.id, 30_00, original_transaction_id=paid.id, reason="refund",
                     description="Part refunded", idempotency_key="lim:4")
    with pytest.raises(ValidationError) as caught:
        wallet.take_back(scene.first.id, 20_01, original_transaction_id=paid.id, reason="chargeback",
                         description="Too much", idempotency_key="lim:5")
    assert caught.value.code == "take_back_too_large" and "20,00" in caught.value.message
    for original in (correction.id, other.id, 999_999):
        with pytest.raises(NotFoundError) as missing:
            wallet.take_back(scene.first.id, 1_00, original_transaction_id=original, reason="refund",
                             description="Wrong", idempotency_key=f"lim:x{original}")
        assert missing.value.code == "top_up_not_found"
    with pytest.raises(ValidationError) as bad:
        wallet.take_back(scene.first.id, 1_00, original_transaction_id=paid.id, reason="because",
                         description="Wrong", idempotency_key="lim:6")
    assert bad.value.code == "reason_invalid"
    assert WalletTransaction.select().where(WalletTransaction.kind == "reversal").count() == 1
    assert ledger_problems() == []


def test_give_back_once_then_the_top_up_can_be_taken_back_again(wallet_platform: Platform, scene: Scene) -> None:
    wallet = wallet_platform.wallet
    paid = top_up(wallet_platform, scene, 50_00, "gb:1")
    back = wallet.take_back(scene.first.id, 50_00, original_transaction_id=paid.id, reason="refund",
                            description="Refund", idempotency_key="gb:2")
    given = wallet.give_back(back.id, reason="refund_failed", description="The refund failed")
    assert wallet.give_back(back.id, reason="refund_failed", description="The refund failed").id == given.id
    assert (given.amount, given.balance_after, given.counterpart_transaction_id) == (50_00, 50_00, back.id)
    assert (given.debit_account, given.credit_account) == ("platform:online_topups", f"wallet:{given.wallet_id}")
    assert wallet.taken_back_cents(paid.id) == 0
    again = wallet.take_back(scene.first.id, 50_00, original_transaction_id=paid.id, reason="chargeback",
                             description="Chargeback", idempotency_key="gb:3")
    assert again.balance_after == 0 and wallet.taken_back_cents(paid.id) == 50_00
    with pytest.raises(NotFoundError):
        wallet.give_back(paid.id, reason="refund_failed", description="Not a take-back")
    assert ledger_problems() == []


def test_a_manager_refund_never_overdraws(wallet_platform: Platform, scene: Scene) -> None:
    paid = top_up(wallet_platform, scene, 50_00, "mr:1")
    wallet_platform.wallet.charge(scene.member, scene.first.id, 20_00, tool="btv", description="Use",
                                  idempotency_key="mr:2")
    refused = wallet_platform.wallet.take_back(scene.first.id, 50_00, original_transaction_id=paid.id, reason="refund",
                                               description="Refund asked", idempotency_key="mr:3",
                                               allow_negative=False)
    assert (refused.status, refused.failure_reason, refused.balance_after) == ("failed", "insufficient_funds", 30_00)
    assert mails() == [] and ledger_problems() == []


@pytest.mark.parametrize(("tamper", "reported"), [
    ("UPDATE wallet_transaction SET counterpart_transaction_id = {charge} WHERE id = {back}", ["points at"]),
    ("UPDATE wallet_transaction SET kind = 'correction', type_key = 'correction' WHERE id = {back}",
     ["from 1000 to -2000"]),
    ("UPDATE wallet_transaction SET credit_account = 'platform:bank_transfers' WHERE id = {back}", ["points at"]),
    ("UPDATE wallet_transaction SET amount = 1000 WHERE id = {top_up}", ["3000 taken back"]),
])
def test_verify_reports_broken_take_backs(wallet_platform: Platform, scene: Scene, tamper: str,
                                          reported: list[str]) -> None:
    wallet = wallet_platform.wallet
    paid = top_up(wallet_platform, scene, 30_00, "iv:1")
    charge = wallet.charge(scene.member, scene.first.id, 20_00, tool="btv", description="Use", idempotency_key="iv:2")
    back = wallet.take_back(scene.first.id, 30_00, original_transaction_id=paid.id, reason="chargeback",
                            description="Chargeback", idempotency_key="iv:3")
    assert back.balance_after == -20_00 and ledger_problems() == []
    db = database.obj
    statement = tamper.format(charge=charge.id, back=back.id, top_up=paid.id)
    with pytest.raises(RuntimeError), db.atomic():
        if isinstance(db, peewee.PostgresqlDatabase):
            db.execute_sql("ALTER TABLE wallet_transaction DISABLE TRIGGER wallet_transaction_immutable")
        else:
            db.execute_sql("DROP TRIGGER wallet_transaction_no_update")
        db.execute_sql(statement)
        with i18n.using("en"):  # the lines are written in the reader's language
            problems = ledger_problems()
        for text in reported:
            assert any(text in problem for problem in problems), (text, problems)
        raise RuntimeError("undo")
    assert ledger_problems() == []


def test_managers_receive_the_mail_over_smtp(make_platform: Callable[..., Platform], smtp_server: SmtpServer) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    scene = make_scene()
    paid = top_up(platform, scene, 50_00, "smtp:1")
    platform.wallet.charge(scene.member, scene.first.id, 40_00, tool="btv", description="Use", idempotency_key="smtp:2")
    platform.wallet.take_back(scene.first.id, 50_00, original_transaction_id=paid.id, reason="chargeback",
                              description="Chargeback", idempotency_key="smtp:3", reference="chb_smtp")
    platform.outbox.deliver_all_due()
    received = smtp_server.last_message(str(scene.manager.email))
    assert "repris du Wallet" in str(received.message["Subject"])
    assert "Rétrofacturé par la banque du titulaire de la carte" in received.text
    assert "chb_smtp" in received.text and "-40,00 €" in received.text and "négatif" in received.text


# -- the migration that lets a balance go below zero ------------------------------------------

OLD_WALLET = ('CREATE TABLE "wallet" ("id" INTEGER NOT NULL PRIMARY KEY, '
              '"balance" INTEGER NOT NULL CHECK (balance >= 0), "last_number" INTEGER NOT NULL)')


def test_migration_drops_the_old_check_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute(OLD_WALLET)
        raw.execute('CREATE TABLE "child" ("id" INTEGER PRIMARY KEY, "wallet_id" INTEGER NOT NULL '
                    'REFERENCES "wallet" ("id") ON DELETE RESTRICT)')
        raw.execute("INSERT INTO wallet VALUES (1, 500, 1)")
        raw.execute("INSERT INTO child VALUES (1, 1)")
    db = peewee.SqliteDatabase(str(path), pragmas={"foreign_keys": 1})
    with db.atomic():
        _balance_may_go_negative(db)
    with db.atomic():
        _balance_may_go_negative(db)  # again: nothing left to do
    db.execute_sql("UPDATE wallet SET balance = -100 WHERE id = 1")
    assert db.execute_sql("SELECT balance FROM wallet").fetchone()[0] == -100
    assert db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute_sql("SELECT COUNT(*) FROM child").fetchone()[0] == 1
    db.close()


def test_migration_drops_the_old_check_on_postgres(pg_cluster: PostgresCluster) -> None:
    url = pg_cluster.create_database()
    db = connect(url)
    db.execute_sql('CREATE TABLE "wallet" ("id" BIGSERIAL PRIMARY KEY, '
                   '"balance" BIGINT NOT NULL CHECK (balance >= 0))')
    db.execute_sql("INSERT INTO wallet (balance) VALUES (500)")
    with pytest.raises(peewee.IntegrityError), db.atomic():
        db.execute_sql("UPDATE wallet SET balance = -1")
    with db.atomic():
        _balance_may_go_negative(db)
    db.execute_sql("UPDATE wallet SET balance = -100")
    assert db.execute_sql("SELECT balance FROM wallet").fetchone()[0] == -100
    db.close()


def test_a_negative_wallet_refuses_a_tool_search_and_says_why(make_platform: Callable[..., Platform]) -> None:
    from immo_connect.plugins.tools.cadastrefinder.parcels import ParcelQuery
    from immo_connect.plugins.tools.cadastrefinder.search import CadastreSearch, search
    from immo_connect.tools import role_choice
    from tests.support.tools import make_agency, register_cadastrefinder, registers_config

    platform = make_platform(config_text=registers_config())
    agency = make_agency(platform)
    register_cadastrefinder(platform, agency)
    platform.tools.save_access(agency.manager, agency.organisation.id, "cadastrefinder", "agent",
                               {agency.employee.id: role_choice("assistant")})
    platform.tools.accept_terms(agency.employee, "cadastrefinder", "2016-1")
    paid = platform.wallet.credit(agency.organisation.id, 50_00, kind="online_topup", description="Top-up",
                                  idempotency_key="tool:1")
    context = platform.tools.start(agency.employee, "cadastrefinder", agency.organisation.id, "agent")
    search(platform, context, ParcelQuery(municipality="Namur"), idempotency_key="before")
    platform.wallet.take_back(agency.organisation.id, 50_00, original_transaction_id=paid.id, reason="chargeback",
                              description="Chargeback", idempotency_key="tool:2")
    with pytest.raises(ValidationError) as caught:
        search(platform, context, ParcelQuery(municipality="Namur"), idempotency_key="after")
    assert caught.value.code == "insufficient_funds"
    assert "négatif (-1,50 €)" in caught.value.message and caught.value.hint
    assert CadastreSearch.select().count() == 1  # the refused search ran nothing
    assert ledger_problems() == []
