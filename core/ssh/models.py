"""Tables of the SSH area: the public keys users register, and the live sessions.

A key identifies exactly one account (its fingerprint is unique). The session table is the
register every SSH server writes to, so limits on concurrent sessions hold across several
servers sharing one database; a server that dies stops refreshing ``seen_at`` and its rows
stop counting after a few minutes.
"""

from __future__ import annotations

import peewee

from immo_connect.accounts.models import Account
from immo_connect.i18n import N_
from immo_connect.storage import BaseModel, Migration


class SshKey(BaseModel):
    id = peewee.BigAutoField()
    account = peewee.ForeignKeyField(Account, backref="ssh_keys", on_delete="CASCADE")
    name = peewee.CharField(max_length=100)
    algorithm = peewee.CharField(max_length=64)
    # "<algorithm> <base64>" without comment or options: what the server compares.
    public_key = peewee.TextField()
    fingerprint = peewee.CharField(max_length=100, unique=True)  # "SHA256:…"
    created_at = peewee.DateTimeField()
    last_used_at = peewee.DateTimeField(null=True)
    last_used_from = peewee.CharField(max_length=100, default="")


class SshSession(BaseModel):
    id = peewee.BigAutoField()
    server = peewee.CharField(max_length=200)  # host:pid of the serving process
    source = peewee.CharField(max_length=100)  # "ssh:<address>"
    account = peewee.ForeignKeyField(Account, null=True, backref="ssh_sessions", on_delete="SET NULL")
    key_fingerprint = peewee.CharField(max_length=100, default="")
    started_at = peewee.DateTimeField()
    seen_at = peewee.DateTimeField(index=True)
    ended_at = peewee.DateTimeField(null=True, index=True)
    end_reason = peewee.CharField(max_length=30, default="")


def _create(db: peewee.Database) -> None:
    db.create_tables([SshKey, SshSession])


MIGRATIONS = [Migration(1, N_("ssh keys and sessions"), _create)]
