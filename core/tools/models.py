"""Tool registrations, employee access, accepted terms and the last chosen quality."""

from __future__ import annotations

import peewee

from immo_connect.accounts.models import Account
from immo_connect.i18n import N_
from immo_connect.organisations.models import Organisation
from immo_connect.recognitions.models import Recognition
from immo_connect.storage import BaseModel, Migration

ACCESS_STATES = ("granted", "blocked")


class ToolRegistration(BaseModel):
    """A tool registered for an organisation in one usage mode.

    ``mandated_recognition`` is the recognition the organisation relies on to let its
    employees use the tool; NULL only for modes that require none.
    """

    id = peewee.BigAutoField()
    organisation = peewee.ForeignKeyField(Organisation, backref="tool_registrations", on_delete="CASCADE")
    tool = peewee.CharField(max_length=64)
    mode = peewee.CharField(max_length=64)
    mandated_recognition = peewee.ForeignKeyField(Recognition, null=True, on_delete="SET NULL")
    registered_by = peewee.ForeignKeyField(Account, on_delete="CASCADE")
    registered_at = peewee.DateTimeField()
    # The columns behind the foreign keys (for type checkers).
    organisation_id: int
    mandated_recognition_id: int | None
    registered_by_id: int

    class Meta:
        indexes = ((("organisation", "tool", "mode"), True),)


class ToolAccess(BaseModel):
    """What one employee may do with one registration: a role, or blocked.

    No row means "no user" (the default for every employee).
    """

    id = peewee.BigAutoField()
    registration = peewee.ForeignKeyField(ToolRegistration, backref="accesses", on_delete="CASCADE")
    account = peewee.ForeignKeyField(Account, backref="tool_accesses", on_delete="CASCADE")
    state = peewee.CharField(max_length=10)
    role = peewee.CharField(max_length=64, default="")
    changed_by = peewee.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    changed_at = peewee.DateTimeField()
    registration_id: int  # the columns behind the foreign keys (for type checkers)
    account_id: int

    class Meta:
        indexes = ((("registration", "account"), True), (("account", "state"), False))


class TermsAcceptance(BaseModel):
    """A person accepted one version of a tool's terms of use."""

    id = peewee.BigAutoField()
    account = peewee.ForeignKeyField(Account, on_delete="CASCADE")
    tool = peewee.CharField(max_length=64)
    version = peewee.CharField(max_length=64)
    accepted_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("account", "tool", "version"), True),)


class QualityChoice(BaseModel):
    """The quality (organisation and mode) a person last started a tool with: preselected next time."""

    id = peewee.BigAutoField()
    account = peewee.ForeignKeyField(Account, on_delete="CASCADE")
    tool = peewee.CharField(max_length=64)
    organisation = peewee.ForeignKeyField(Organisation, on_delete="CASCADE")
    mode = peewee.CharField(max_length=64)
    chosen_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("account", "tool"), True),)


def _create(db: peewee.Database) -> None:
    db.create_tables([ToolRegistration, ToolAccess, TermsAcceptance, QualityChoice])


MIGRATIONS = [Migration(1, N_("tool registrations, access, terms, quality"), _create)]
