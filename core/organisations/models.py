"""Organisations and memberships. A membership links an account to an organisation."""

from __future__ import annotations

import peewee

from immo_connect.accounts.models import Account
from immo_connect.storage import BaseModel, Migration

MEMBERSHIP_STATUSES = ("pending", "active", "blocked")


class Organisation(BaseModel):
    id = peewee.BigAutoField()
    # The 10 digits of the KBO/BCE enterprise number, without dots.
    enterprise_number = peewee.CharField(max_length=10, unique=True)
    name = peewee.CharField(max_length=200)
    legal_form = peewee.CharField(max_length=50, default="")
    address = peewee.CharField(max_length=300, default="")
    email = peewee.CharField(max_length=254, default="")
    phone = peewee.CharField(max_length=40, default="")
    created_at = peewee.DateTimeField()


class Membership(BaseModel):
    id = peewee.BigAutoField()
    organisation = peewee.ForeignKeyField(Organisation, backref="memberships", on_delete="CASCADE")
    account = peewee.ForeignKeyField(Account, backref="memberships", on_delete="CASCADE")
    status = peewee.CharField(max_length=10, default="pending", index=True)
    is_manager = peewee.BooleanField(default=False)
    employee_type = peewee.CharField(max_length=50, default="")
    function = peewee.CharField(max_length=100, default="")
    created_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("organisation", "account"), True),)


def _create(db: peewee.Database) -> None:
    db.create_tables([Organisation, Membership])


MIGRATIONS = [Migration(1, "organisations and memberships", _create)]
