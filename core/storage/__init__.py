"""Storage: peewee behind one :class:`~peewee.DatabaseProxy`.

Models subclass :class:`BaseModel` and are bound to :data:`database`; :func:`open_database`
chooses SQLite (the default, embedded) or PostgreSQL from a URL and initialises the proxy.
"""

from __future__ import annotations

from immo_connect.storage._database import (
    BaseModel,
    database,
    is_postgres,
    on_commit,
    open_database,
    redact_url,
    transaction,
)
from immo_connect.storage._errors import StorageError, storage_error
from immo_connect.storage._migrations import (
    Migration,
    applied_migrations,
    upgrade,
    upgrade_component,
)

__all__ = [
    "BaseModel",
    "Migration",
    "StorageError",
    "applied_migrations",
    "database",
    "is_postgres",
    "on_commit",
    "open_database",
    "redact_url",
    "storage_error",
    "transaction",
    "upgrade",
    "upgrade_component",
]
