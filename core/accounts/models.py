"""The account of one person. Other areas refer to it by foreign key."""

from __future__ import annotations

import peewee

from immo_connect.storage import BaseModel, Migration

ACCOUNT_STATUSES = ("pending", "active", "blocked", "deleted")


class Account(BaseModel):
    id = peewee.BigAutoField()
    username = peewee.CharField(max_length=64, unique=True)
    # Lowercased; NULL for accounts imported from an earlier tool without an address.
    email = peewee.CharField(max_length=254, unique=True, null=True)
    first_name = peewee.CharField(max_length=100)
    last_name = peewee.CharField(max_length=100)
    status = peewee.CharField(max_length=10, default="pending", index=True)
    language = peewee.CharField(max_length=2, default="fr")
    created_at = peewee.DateTimeField()
    # Filled when an eID card is linked: a keyed hash for uniqueness and the encrypted value.
    eid_linked_at = peewee.DateTimeField(null=True)
    national_number_hash = peewee.CharField(max_length=64, unique=True, null=True)
    national_number_encrypted = peewee.BlobField(null=True)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or str(self.username)

    @property
    def is_active(self) -> bool:
        return self.status == "active"


def _create(db: peewee.Database) -> None:
    db.create_tables([Account])


MIGRATIONS = [Migration(1, "accounts", _create)]
