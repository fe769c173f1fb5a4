"""Operator roles and the wallet corrections waiting for a second finance operator."""

from __future__ import annotations

import peewee

from immo_connect.accounts.models import Account
from immo_connect.i18n import N_
from immo_connect.organisations.models import Organisation
from immo_connect.storage import BaseModel, Migration

ROLES = ("helpdesk", "finance", "admin")
# ``refund`` gives a top-up back from the wallet only (the money goes back by bank transfer);
# ``card_refund`` gives an online top-up back through its payment provider.
REQUEST_KINDS = ("credit", "debit", "refund", "card_refund")
REFUND_KINDS = ("refund", "card_refund")
REQUEST_STATUSES = ("pending", "approved", "booked", "failed", "rejected")


class OperatorRole(BaseModel):
    """An ordinary account that works in the back office; at most one role per account."""

    account = peewee.ForeignKeyField(Account, primary_key=True, backref="operator_roles", on_delete="CASCADE")
    role = peewee.CharField(max_length=10)
    granted_at = peewee.DateTimeField()
    granted_by = peewee.CharField(max_length=200)


class MoneyRequest(BaseModel):
    """A wallet correction or refund asked by a finance operator.

    At most the configured amount it is booked at once; above it stays ``pending`` until a
    different finance operator approves (``approved`` while the booking runs, then ``booked``
    or ``failed``), or is ``rejected``. ``transaction_id`` is the wallet row it booked.
    """

    id = peewee.BigAutoField()
    organisation = peewee.ForeignKeyField(Organisation, backref="money_requests", on_delete="RESTRICT")
    kind = peewee.CharField(max_length=20)
    amount_cents = peewee.BigIntegerField()
    reason = peewee.CharField(max_length=500)
    reference = peewee.CharField(max_length=200, default="")
    original_transaction_id = peewee.BigIntegerField(null=True)  # the top-up a refund concerns
    status = peewee.CharField(max_length=10, index=True)
    requested_by = peewee.ForeignKeyField(Account, backref="+", on_delete="RESTRICT")
    requested_at = peewee.DateTimeField()
    decided_by = peewee.ForeignKeyField(Account, backref="+", null=True, on_delete="RESTRICT")
    decided_at = peewee.DateTimeField(null=True)
    # Why the second finance operator approved or rejected it (their own words).
    decision_reason = peewee.CharField(max_length=500, default="")
    transaction_id = peewee.BigIntegerField(null=True)
    # What a script gave as its own idempotency key: the same key never asks twice.
    client_key = peewee.CharField(max_length=200, null=True, unique=True)

    @property
    def organisation_key(self) -> int:
        """The organisation's id without loading the organisation."""
        return int(self.__data__["organisation"])

    @property
    def requested_by_key(self) -> int:
        return int(self.__data__["requested_by"])

    @property
    def decided_by_key(self) -> int | None:
        value = self.__data__.get("decided_by")
        return int(value) if value is not None else None


def _create(db: peewee.Database) -> None:
    db.create_tables([OperatorRole, MoneyRequest])
    # Finding accounts by name: prefix searches on the lowercased names use these indexes.
    for column in ("last_name", "first_name"):
        db.execute_sql(f"CREATE INDEX account_lower_{column} ON account (lower({column}))")


def _longer_kinds(db: peewee.Database) -> None:
    """Room for the ``card_refund`` kind (SQLite does not enforce a VARCHAR's length)."""
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql("ALTER TABLE money_request ALTER COLUMN kind TYPE VARCHAR(20)")


def _decision_reason(db: peewee.Database) -> None:
    if "decision_reason" in {column.name for column in db.get_columns("money_request")}:
        return  # a fresh database has it from migration 1's model
    db.execute_sql("ALTER TABLE money_request ADD COLUMN decision_reason VARCHAR(500) NOT NULL DEFAULT ''")


MIGRATIONS = [Migration(1, N_("operator roles and money requests"), _create),
              Migration(2, N_("card refunds among the money requests"), _longer_kinds),
              Migration(3, N_("the reason of a money request's approval or rejection"), _decision_reason)]
