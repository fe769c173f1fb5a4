from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import peewee
from playhouse.db_url import connect

from immo_connect.errors import ConfigurationError
from immo_connect.extras import import_extra
from immo_connect.files import make_private_folders, private_file
from immo_connect.i18n import _
from immo_connect.storage._errors import storage_error

database = peewee.DatabaseProxy()

# WAL lets readers work while one writer commits; the busy timeout makes concurrent
# writers wait instead of failing at once; foreign keys are off by default in SQLite.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 15000,
    "synchronous": "normal",
    "cache_size": -16000,
}


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


def redact_url(url: str) -> str:
    """``url`` with any password replaced, for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _unreachable(url: str, reason: str) -> ConfigurationError:
    return ConfigurationError(
        _("Cannot open the database {url}: {reason}.").format(url=redact_url(url), reason=reason),
        hint=_("Check IMMO_CONNECT_DATABASE_URL (sqlite:///path or postgresql://user@host/name)."),
    )


def open_database(url: str, *, check: bool = True) -> peewee.Database:
    """Open the database at ``url``, bind the model proxy to it and return it.

    With ``check`` the connection is tried at once, so a wrong URL fails here with one
    clear message instead of at the first query.
    """
    scheme = url.split(":", 1)[0].lower()
    if scheme == "postgres":
        url = "postgresql" + url[len("postgres"):]
        scheme = "postgresql"
    try:
        if scheme == "sqlite":
            path = url[len("sqlite:///"):]
            if path and path != ":memory:":
                try:
                    make_private_folders(Path(path).parent)
                    # SQLite gives the -wal and -shm files the database file's mode: 0600 too.
                    private_file(Path(path))
                except OSError as error:
                    raise _unreachable(url, error.strerror or str(error)) from None
            db: peewee.Database = connect(url, pragmas=SQLITE_PRAGMAS, autoconnect=True)
        elif scheme in ("postgresql", "postgresext", "psycopg3"):
            if scheme != "psycopg3":
                # The driver comes with the [postgres] extra: without it, the command to install it.
                import_extra("psycopg2", "postgres")
            db = connect(url, autoconnect=True)
        else:
            raise _unreachable(url, _("unsupported scheme {scheme!r}").format(scheme=scheme))
    except (ValueError, RuntimeError) as error:
        raise _unreachable(url, str(error)) from None
    if check:
        try:
            db.connect(reuse_if_open=True)
            db.execute_sql("SELECT 1")
        except peewee.DatabaseError as error:
            explained = storage_error(error, db) if scheme == "sqlite" else None
            if explained is not None:  # the file is there, but its folder or disk refuses writes
                raise explained from None
            message = re.sub(r"\s+", " ", str(error)).strip()
            raise _unreachable(url, message) from None
        finally:
            if not db.is_closed():
                db.close()
    database.initialize(db)
    return db


# Callbacks waiting for the outermost transaction of this thread to commit.
_pending = threading.local()


@contextmanager
def transaction() -> Iterator[None]:
    """One transaction for one change: everything inside commits together or not at all.

    On SQLite the write lock is taken at BEGIN (``IMMEDIATE``) so two writers that both read
    first cannot deadlock on the upgrade; PostgreSQL needs no such hint. Nested calls are
    savepoints; :func:`on_commit` callbacks run once the outermost one has committed.
    """
    db = database.obj
    outermost = not db.in_transaction()
    if outermost:
        _pending.callbacks = []
    try:
        if isinstance(db, peewee.SqliteDatabase) and outermost:
            with db.atomic("IMMEDIATE"):
                yield
        else:
            with db.atomic():
                yield
    except peewee.DatabaseError as error:
        if outermost:
            _pending.callbacks = None
        explained = storage_error(error)  # a read-only or full database: the operator's to fix
        if explained is None:
            raise
        raise explained from error
    except BaseException:
        if outermost:
            _pending.callbacks = None
        raise
    if outermost:
        callbacks, _pending.callbacks = _pending.callbacks, None
        for callback in callbacks:
            callback()


def on_commit(callback: Callable[[], object]) -> None:
    """Run ``callback`` after the current outermost transaction commits (now, outside one).

    For what must only happen once a change is durable and visible: telling plugins about
    it, waking a mail worker. Nothing runs when the transaction rolls back.
    """
    db = database.obj
    if db.in_transaction() and getattr(_pending, "callbacks", None) is not None:
        _pending.callbacks.append(callback)
    else:
        callback()


def is_postgres() -> bool:
    return isinstance(database.obj, peewee.PostgresqlDatabase)
