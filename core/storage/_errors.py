"""Database failures an operator must fix: a read-only or full database.

They are not bugs of the platform, and the person at the keyboard can do nothing about them
but know that nothing was saved and tell the operator what to fix. :func:`storage_error`
recognises them in the exceptions of both engines; :func:`~immo_connect.storage.transaction`
raises them as :class:`StorageError`, and the front ends also check their last-resort
handlers with it (a failure outside a transaction, at start-up).
"""

from __future__ import annotations

import errno
import os

import peewee

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _

# SQLite's messages (sqlite3 gives no error code before Python 3.11's sqlite_errorcode on
# every path) and PostgreSQL's SQLSTATE codes.
_SQLITE_READ_ONLY = ("attempt to write a readonly database", "readonly database")
_SQLITE_FULL = ("database or disk is full",)
_SQLITE_UNWRITABLE = ("disk i/o error", "unable to open database file")
_PG_READ_ONLY = {"25006"}  # read_only_sql_transaction (a standby, default_transaction_read_only)
_PG_FULL = {"53100"}  # disk_full
_PG_OUT_OF_SPACE_TEXT = ("no space left on device", "could not extend file")


class StorageError(ImmoConnectError):
    """The database refused to write; nothing of the change was saved."""

    code = "storage"


def _kind(error: BaseException) -> str | None:
    original = getattr(error, "orig", None) or error.__cause__ or error
    pgcode = getattr(original, "pgcode", None)
    text = str(error).lower()
    if pgcode in _PG_FULL or any(t in text for t in _PG_OUT_OF_SPACE_TEXT) or any(t in text for t in _SQLITE_FULL):
        return "full"
    if pgcode in _PG_READ_ONLY or any(t in text for t in _SQLITE_READ_ONLY):
        return "read_only"
    if any(t in text for t in _SQLITE_UNWRITABLE):
        return "unwritable"
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return "full"
    if isinstance(error, OSError) and error.errno == errno.EROFS:
        return "read_only"
    return None


def _sqlite_folder_state(database: peewee.Database | None) -> str | None:
    """Why the folder of a SQLite database refuses writes: "full", "read_only" or None."""
    if not isinstance(database, peewee.SqliteDatabase) or database.database in ("", ":memory:"):
        return None
    folder = os.path.dirname(os.path.abspath(database.database))
    try:
        info = os.statvfs(folder)
    except OSError:
        return None
    if info.f_flag & os.ST_RDONLY or not os.access(folder, os.W_OK):
        return "read_only"
    if info.f_bavail * info.f_frsize < 64 * 1024:
        return "full"
    return None


def storage_error(error: BaseException, database: peewee.Database | None = None) -> StorageError | None:
    """The operator-facing error for ``error`` when it says the database cannot be written.

    ``database`` (the open one by default) lets SQLite's vague « disk I/O error » be told
    apart: on a disk with no space left, it is a full disk.
    """
    kind = None
    seen: set[int] = set()
    failure: BaseException | None = error
    # SQLite undoes the transaction itself on a full disk; the ROLLBACK that follows then fails
    # ("no transaction is active") with the real cause as its context.
    while failure is not None and kind is None and id(failure) not in seen:
        seen.add(id(failure))
        if isinstance(failure, (peewee.DatabaseError, OSError)):
            kind = _kind(failure)
        failure = failure.__cause__ or failure.__context__
    if kind == "unwritable":  # SQLite's vague words: the folder tells what is wrong
        from immo_connect.storage._database import database as proxy

        kind = _sqlite_folder_state(database if database is not None else proxy.obj) or kind
    if kind == "full":
        return StorageError(
            _("The database's disk is full: the change could not be written, nothing was saved."),
            hint=_("Tell the platform's operator: free space on the disk that holds the database "
                   "(and its -wal file), then try again."),
            code="storage_full",
        )
    if kind == "read_only":
        return StorageError(
            _("The database is read-only: the change could not be written, nothing was saved."),
            hint=_("Tell the platform's operator: the database file and its folder must be writable by the user "
                   "running Immo-Connect (check their owner and mode, and that the disk is not mounted "
                   "read-only), then try again."),
            code="storage_read_only",
        )
    if kind == "unwritable":
        return StorageError(
            _("The database could not be written ({reason}): nothing was saved.").format(
                reason=" ".join(str(error).split())),
            hint=_("Tell the platform's operator: the database's folder must be writable (SQLite keeps its -wal "
                   "and -shm files beside the database) and its disk must have free space; then try again."),
            code="storage_unwritable",
        )
    return None
