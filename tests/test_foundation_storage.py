"""Storage on both databases: migrations, transactions, the append-only audit log."""

from __future__ import annotations

import peewee
import pytest

from immo_connect import audit, storage
from immo_connect.accounts.models import Account
from immo_connect.errors import ConfigurationError
from immo_connect.platform import Platform
from immo_connect.storage import Migration, transaction
from tests.support.factories import make_account


def test_fresh_database_is_migrated_and_upgrade_is_idempotent(any_platform: Platform) -> None:
    applied = storage.applied_migrations()
    assert ("immo_connect.audit", 1) in applied
    assert ("immo_connect.accounts.models", 1) in applied
    assert any_platform.upgrade() == []
    assert storage.applied_migrations() == applied


def test_plugin_component_migrations_run_once(any_platform: Platform) -> None:
    calls: list[str] = []

    def create(db: peewee.Database) -> None:
        calls.append("v1")
        db.execute_sql("CREATE TABLE vendor_note (id INTEGER PRIMARY KEY, body TEXT)")

    migrations = [Migration(1, "vendor notes", create)]
    assert storage.upgrade_component("vendor", migrations) == ["vendor:1 vendor notes"]
    assert storage.upgrade_component("vendor", migrations) == []
    assert calls == ["v1"]
    assert ("vendor", 1) in storage.applied_migrations()


def test_failed_migration_leaves_no_trace(any_platform: Platform) -> None:
    def broken(db: peewee.Database) -> None:
        db.execute_sql("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
        db.execute_sql("THIS IS NOT SQL")

    with pytest.raises(peewee.DatabaseError):
        storage.upgrade_component("broken", [Migration(1, "broken", broken)])
    assert ("broken", 1) not in storage.applied_migrations()
    assert not any_platform.database.table_exists("half_done")


def test_transaction_rolls_back_everything(any_platform: Platform) -> None:
    with pytest.raises(RuntimeError), transaction():
        make_account("rollback1")  # nested: a savepoint inside the outer transaction
        audit.record("test.event", target="x")
        raise RuntimeError("boom")
    assert not Account.select().where(Account.username == "rollback1").exists()
    assert not audit.AuditEvent.select().where(audit.AuditEvent.action == "test.event").exists()


def test_audit_log_is_append_only(any_platform: Platform) -> None:
    with transaction():
        event = audit.record(
            "account.login", actor_id=7, actor="anne", target="account:7",
            outcome="refused", detail={"password": "hunter22", "reason": "wrong password"},
        )
    stored = audit.AuditEvent.get_by_id(event.id)
    assert "hunter22" not in stored.detail
    assert "wrong password" in stored.detail
    with pytest.raises(peewee.DatabaseError), transaction():
        audit.AuditEvent.update(outcome="success").where(audit.AuditEvent.id == event.id).execute()
    with pytest.raises(peewee.DatabaseError), transaction():
        audit.AuditEvent.delete().where(audit.AuditEvent.id == event.id).execute()
    assert audit.AuditEvent.get_by_id(event.id).outcome == "refused"


def test_audit_query_filters(any_platform: Platform, clock) -> None:  # type: ignore[no-untyped-def]
    with transaction():
        audit.record("org.created", actor="anne", organisation_id=1, at=clock.now())
        audit.record("org.member.blocked", actor="bert", organisation_id=2, outcome="refused", at=clock.advance(hours=1))
        audit.record("account.login", actor="anne", at=clock.advance(hours=1))
    assert [e.action for e in audit.query(audit.AuditFilter(action="org."))] == ["org.member.blocked", "org.created"]
    assert [e.action for e in audit.query(audit.AuditFilter(actor="anne"))] == ["account.login", "org.created"]
    assert [e.action for e in audit.query(audit.AuditFilter(outcome="refused"))] == ["org.member.blocked"]
    assert [e.organisation_id for e in audit.query(audit.AuditFilter(organisation_id=1))] == [1]
    since = clock.now()
    assert [e.action for e in audit.query(audit.AuditFilter(since=since))] == ["account.login"]
    assert len(list(audit.query(limit=2))) == 2


def test_sqlite_pragmas_are_set(platform: Platform) -> None:
    db = platform.database
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000


@pytest.mark.parametrize(
    "url",
    ["postgresql://nobody:s3cret@127.0.0.1:1/none", "mysql://localhost/x", "sqlite:////proc/forbidden/x.db"],
)
def test_unreachable_database_gives_one_clear_error(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        storage.open_database(url)
    text = str(caught.value)
    assert "s3cret" not in text
    assert "IMMO_CONNECT_DATABASE_URL" in text
    assert "\n" not in text


def test_on_commit_runs_after_the_outermost_commit_only(any_platform: Platform) -> None:
    from immo_connect.storage import on_commit

    seen: list[str] = []
    with transaction():
        make_account("committed1")
        with transaction():
            on_commit(lambda: seen.append("inner"))
        assert seen == []  # the savepoint released, but nothing is durable yet
        on_commit(lambda: seen.append("outer"))
    assert seen == ["inner", "outer"]

    with pytest.raises(RuntimeError), transaction():
        on_commit(lambda: seen.append("rolled back"))
        raise RuntimeError("boom")
    assert seen == ["inner", "outer"]

    on_commit(lambda: seen.append("outside"))
    assert seen[-1] == "outside"
