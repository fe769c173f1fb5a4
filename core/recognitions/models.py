"""Recognitions held by accounts, as the sources reported them at the last refresh."""

from __future__ import annotations

import datetime as dt

import peewee

from immo_connect.accounts.models import Account
from immo_connect.i18n import N_
from immo_connect.storage import BaseModel, Migration

RECOGNITION_STATUSES = ("current", "withdrawn")


class Recognition(BaseModel):
    """One recognition of one person from one source.

    A refresh that no longer finds it marks it ``withdrawn`` instead of deleting it: tool
    registrations keep pointing at the recognition they were mandated with, and the history
    shows why a right stopped.
    """

    id = peewee.BigAutoField()
    account = peewee.ForeignKeyField(Account, backref="recognitions", on_delete="CASCADE")
    account_id: int  # the column behind ``account`` (for type checkers)
    source = peewee.CharField(max_length=64)
    identifier = peewee.CharField(max_length=64, index=True)
    number = peewee.CharField(max_length=64, default="")
    valid_from = peewee.DateField()
    valid_until = peewee.DateField(null=True)
    status = peewee.CharField(max_length=10, default="current")
    fetched_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("account", "source", "identifier"), True),)

    def is_valid_on(self, day: dt.date) -> bool:
        """Current at the source and inside its validity dates on ``day``."""
        return (
            self.status == "current"
            and self.valid_from <= day
            and (self.valid_until is None or day <= self.valid_until)
        )


def _create(db: peewee.Database) -> None:
    db.create_tables([Recognition])


MIGRATIONS = [Migration(1, N_("recognitions"), _create)]
