"""Organisations, their addresses and memberships. A membership links an account to an organisation.

A membership is ``pending`` (a join request), ``active`` or ``blocked``; only an active one
lets its account act for the organisation. Managers are active members with ``is_manager``.
"""

from __future__ import annotations

import json
from typing import Any

import peewee

from immo_connect.accounts.models import Account
from immo_connect.i18n import N_
from immo_connect.storage import BaseModel, Migration

MEMBERSHIP_STATUSES = ("pending", "active", "blocked")
ADDRESS_KINDS = ("registered_office", "branch", "postal")


class Organisation(BaseModel):
    id = peewee.BigAutoField()
    # The 10 digits of the KBO/BCE enterprise number, without dots.
    enterprise_number = peewee.CharField(max_length=10, unique=True)
    # General data.
    name = peewee.CharField(max_length=200)
    legal_form = peewee.CharField(max_length=50, default="")
    vat_liable = peewee.BooleanField(default=True)
    description = peewee.TextField(default="")
    # One line for documents (vouchers, mails): the registered office, kept by the service.
    address = peewee.CharField(max_length=300, default="")
    # Contact data.
    email = peewee.CharField(max_length=254, default="")
    # Where the monthly invoices are mailed, when set (docs/invoices.md).
    accountant_email = peewee.CharField(max_length=254, default="")
    phone = peewee.CharField(max_length=40, default="")
    mobile = peewee.CharField(max_length=40, default="")
    website = peewee.CharField(max_length=300, default="")
    # Social media (addresses of the organisation's pages).
    facebook = peewee.CharField(max_length=300, default="")
    linkedin = peewee.CharField(max_length=300, default="")
    instagram = peewee.CharField(max_length=300, default="")
    twitter = peewee.CharField(max_length=300, default="")
    # Logo (square PNG) and cover photo (3:1 JPEG), prepared by ``images.prepare``.
    logo = peewee.BlobField(null=True)
    cover = peewee.BlobField(null=True)
    created_at = peewee.DateTimeField()
    created_by = peewee.BigIntegerField(null=True)
    updated_at = peewee.DateTimeField(null=True)


class OrganisationAddress(BaseModel):
    id = peewee.BigAutoField()
    organisation = peewee.ForeignKeyField(
        Organisation, backref="addresses", on_delete="CASCADE", index=True
    )
    kind = peewee.CharField(max_length=20, default="registered_office")
    street = peewee.CharField(max_length=200)
    number = peewee.CharField(max_length=20)
    box = peewee.CharField(max_length=20, default="")
    postal_code = peewee.CharField(max_length=10)
    city = peewee.CharField(max_length=100)
    country = peewee.CharField(max_length=2, default="BE")
    position = peewee.IntegerField(default=0)

    def one_line(self) -> str:
        box = f" bte {self.box}" if self.box else ""
        country = "" if self.country == "BE" else f", {self.country}"
        return f"{self.street} {self.number}{box}, {self.postal_code} {self.city}{country}"


class Membership(BaseModel):
    id = peewee.BigAutoField()
    organisation = peewee.ForeignKeyField(Organisation, backref="memberships", on_delete="CASCADE")
    account = peewee.ForeignKeyField(Account, backref="memberships", on_delete="CASCADE")
    status = peewee.CharField(max_length=10, default="pending", index=True)
    is_manager = peewee.BooleanField(default=False)
    # Employee data within the organisation.
    employee_type = peewee.CharField(max_length=50, default="")
    function = peewee.CharField(max_length=100, default="")
    work_email = peewee.CharField(max_length=254, default="")
    work_phone = peewee.CharField(max_length=40, default="")
    work_mobile = peewee.CharField(max_length=40, default="")
    # "last first username", accent-free and case-folded: the employee list is ordered and
    # paged on (organisation, sort_name, id) straight from an index.
    sort_name = peewee.CharField(max_length=300, default="")
    # Tool roles chosen at confirmation, {tool name: role}; applied by the tools area.
    tool_access = peewee.TextField(default="{}")
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField(null=True)
    confirmed_at = peewee.DateTimeField(null=True)
    confirmed_by = peewee.BigIntegerField(null=True)
    blocked_at = peewee.DateTimeField(null=True)
    blocked_by = peewee.BigIntegerField(null=True)

    class Meta:
        indexes = (
            (("organisation", "account"), True),
            (("organisation", "sort_name", "id"), False),
            (("organisation", "status", "sort_name", "id"), False),
        )

    @property
    def tool_roles(self) -> dict[str, str]:
        value: Any = json.loads(self.tool_access or "{}")
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    @property
    def organisation_key(self) -> int:
        """The organisation's id without loading the organisation."""
        return int(self.__data__["organisation"])

    @property
    def is_active_manager(self) -> bool:
        return bool(self.status == "active" and self.is_manager)


def _create(db: peewee.Database) -> None:
    db.create_tables([Organisation, OrganisationAddress, Membership])


def _accountant_email(db: peewee.Database) -> None:
    present = {column.name for column in db.get_columns("organisation")}
    if "accountant_email" not in present:  # a fresh database has it from migration 1's model
        db.execute_sql("ALTER TABLE organisation ADD COLUMN accountant_email VARCHAR(254) NOT NULL DEFAULT ''")


MIGRATIONS = [
    Migration(1, N_("organisations and memberships"), _create),
    Migration(2, N_("the accountant's e-mail address of an organisation"), _accountant_email),
]
