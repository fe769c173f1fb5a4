"""Tables of the eID area: the card linked to an account, and the one-time challenges.

The national register number is not here: it lives on the account, encrypted, beside a
keyed hash that keeps it unique (``Account.national_number_*``).
"""

from __future__ import annotations

import peewee

from immo_connect.accounts.models import Account
from immo_connect.i18n import N_
from immo_connect.storage import BaseModel, Migration


class LinkedCard(BaseModel):
    """What the last verified card of an account said (names fill the profile, read-only)."""

    account = peewee.ForeignKeyField(Account, primary_key=True, backref="eid_cards", on_delete="CASCADE")
    applet = peewee.CharField(max_length=5)  # "1.7", "1.8"
    card_number = peewee.CharField(max_length=20)
    card_valid_from = peewee.DateField()
    card_valid_until = peewee.DateField()
    issuing_municipality = peewee.CharField(max_length=100, default="")
    surname = peewee.CharField(max_length=120)
    first_names = peewee.CharField(max_length=120, default="")
    third_name_initial = peewee.CharField(max_length=5, default="")
    nationality = peewee.CharField(max_length=90, default="")
    birth_place = peewee.CharField(max_length=90, default="")
    birth_date_raw = peewee.CharField(max_length=20, default="")
    birth_date = peewee.DateField(null=True)
    sex = peewee.CharField(max_length=1, default="")
    document_type = peewee.CharField(max_length=3, default="")
    street_and_number = peewee.CharField(max_length=120, default="")
    zip_code = peewee.CharField(max_length=10, default="")
    municipality = peewee.CharField(max_length=90, default="")
    photo = peewee.BlobField(null=True)
    certificate_valid_until = peewee.DateTimeField()
    root = peewee.CharField(max_length=300)  # the pinned root the chain ended in
    revocation = peewee.CharField(max_length=12)  # "good" or "not_checked"
    method = peewee.CharField(max_length=10)  # "local" or "remote"
    verified_at = peewee.DateTimeField()


class EidChallenge(BaseModel):
    """A challenge shown to a user for a remote signature; only its hash is kept."""

    id = peewee.BigAutoField()
    account = peewee.ForeignKeyField(Account, backref="eid_challenges", on_delete="CASCADE")
    account_id: int  # the column behind ``account`` (for type checkers)
    challenge_hash = peewee.CharField(max_length=64, unique=True)
    created_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField(index=True)
    used_at = peewee.DateTimeField(null=True)
    # The short code the signer fetches the challenge with (its hash), and the challenge itself:
    # it is no secret (only the card can answer it), the code is what names it.
    code_hash = peewee.CharField(max_length=64, null=True, index=True)
    challenge_text = peewee.TextField(null=True)
    cancelled_at = peewee.DateTimeField(null=True)  # a newer challenge replaced it
    # What became of an answer posted to the web address: "linked" or a refusal code, and its words.
    outcome = peewee.CharField(max_length=40, null=True)
    outcome_message = peewee.TextField(null=True)


def _create(db: peewee.Database) -> None:
    db.create_tables([LinkedCard, EidChallenge])


def _add_short_codes(db: peewee.Database) -> None:
    # Databases created before these columns get them; new ones have them from migration 1.
    from playhouse.migrate import SchemaMigrator, migrate

    present = {column.name for column in db.get_columns("eid_challenge")}
    migrator = SchemaMigrator.from_database(db)
    wanted = {
        "code_hash": peewee.CharField(max_length=64, null=True),
        "challenge_text": peewee.TextField(null=True),
        "cancelled_at": peewee.DateTimeField(null=True),
        "outcome": peewee.CharField(max_length=40, null=True),
        "outcome_message": peewee.TextField(null=True),
    }
    operations = [migrator.add_column("eid_challenge", name, field) for name, field in wanted.items() if name not in present]
    if operations:
        migrate(*operations)
        migrate(migrator.add_index("eid_challenge", ("code_hash",)))


MIGRATIONS = [
    Migration(1, N_("eid cards and challenges"), _create),
    Migration(2, N_("short challenge codes, cancelled challenges, posted answers"), _add_short_codes),
]
