"""Versioned schema migrations, one sequence per component.

Each component module (``immo_connect.audit``, ``immo_connect.accounts.models``, …) holds a
``MIGRATIONS`` list; versions count from 1 within the component, so areas of the platform
evolve their schema independently. A migration runs in its own transaction together with
the row that records it; a migration body never changes once released (add a new one).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from collections.abc import Callable, Iterable

import peewee

from immo_connect.storage._database import BaseModel, database

# Order matters: later components have foreign keys to earlier ones.
COMPONENTS: tuple[str, ...] = (
    "immo_connect.audit",
    "immo_connect.mail.models",
    "immo_connect.accounts.models",
    "immo_connect.organisations.models",
    "immo_connect.recognitions.models",
    "immo_connect.wallet.models",
    "immo_connect.payments.models",
    "immo_connect.bank.models",
    "immo_connect.tools.models",
    "immo_connect.eid.models",
    "immo_connect.ssh.models",
    "immo_connect.oidc.models",
    "immo_connect.invoices.models",
    "immo_connect.operators.models",
)


@dataclasses.dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[peewee.Database], None]


class SchemaMigration(BaseModel):
    component = peewee.CharField(max_length=100)
    version = peewee.IntegerField()
    name = peewee.CharField(max_length=200)
    applied_at = peewee.DateTimeField()

    class Meta:
        primary_key = peewee.CompositeKey("component", "version")


def _component_migrations(components: Iterable[str]) -> list[tuple[str, Migration]]:
    result: list[tuple[str, Migration]] = []
    for component in components:
        module = importlib.import_module(component)
        migrations = sorted(getattr(module, "MIGRATIONS", []), key=lambda m: m.version)
        versions = [m.version for m in migrations]
        if versions != list(range(1, len(versions) + 1)):
            raise RuntimeError(f"{component}: migration versions must be 1..n, got {versions}")
        result.extend((component, m) for m in migrations)
    return result


def applied_migrations() -> set[tuple[str, int]]:
    db = database.obj
    if not db.table_exists(SchemaMigration._meta.table_name):
        return set()
    return {(row.component, row.version) for row in SchemaMigration.select()}


def upgrade_component(component: str, migrations: list[Migration]) -> list[str]:
    """Apply the pending migrations of one component registered by a plugin."""
    return _apply([(component, m) for m in sorted(migrations, key=lambda m: m.version)])


def upgrade(
    components: Iterable[str] | None = None,
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None),
) -> list[str]:
    """Apply every pending migration; return ``component:version name`` of those applied.

    Safe when several processes start at once: a migration that another process applied
    first is detected by its record and skipped.
    """
    return _apply(_component_migrations(components or COMPONENTS), now=now)


def _apply(
    pending: list[tuple[str, Migration]],
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None),
) -> list[str]:
    db = database.obj
    db.create_tables([SchemaMigration], safe=True)
    done = applied_migrations()
    applied: list[str] = []
    for component, migration in pending:
        if (component, migration.version) in done:
            continue
        try:
            with db.atomic():
                migration.apply(db)
                SchemaMigration.create(
                    component=component, version=migration.version,
                    name=migration.name, applied_at=now(),
                )
        except peewee.DatabaseError:
            if (component, migration.version) in applied_migrations():
                continue  # another process won the race
            raise
        applied.append(f"{component}:{migration.version} {migration.name}")
    return applied
