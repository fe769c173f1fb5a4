"""Optional parts of Immo-Connect, installed as extras of the distribution.

A minimal ``pip install immo-connect`` runs everything on SQLite without native builds. Two
parts need more, installed by name: ``[eid]`` (pyscard and PyKCS11, built against the PC/SC
headers) to read an eID card in a local reader, and ``[postgres]`` (psycopg2) for a
PostgreSQL database. Code that needs one imports its modules through :func:`import_extra`,
so a missing extra is one clear error naming the command that installs it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from immo_connect.errors import ConfigurationError
from immo_connect.i18n import _


class ExtraMissing(ConfigurationError):
    """A feature whose extra is not installed; ``extra`` is its name (``eid``, ``postgres``)."""

    code = "extra_missing"

    def __init__(self, message: str, *, hint: str = "", extra: str = "", detail: str = "") -> None:
        super().__init__(message, hint=hint)
        self.extra = extra
        self.detail = detail  # the import error, for the log

    @classmethod
    def make(cls, extra: str, *, detail: str = "") -> ExtraMissing:
        if extra == "eid":
            message = _("Reading an eID card in a local card reader is not installed with this copy of Immo-Connect.")
        elif extra == "postgres":
            message = _("PostgreSQL databases are not supported by this copy of Immo-Connect: "
                        "its PostgreSQL driver is not installed.")
        else:
            message = _("A part of Immo-Connect is not installed: {extra}.").format(extra=extra)
        return cls(
            message,
            hint=_("Install it with: pip install 'immo-connect[{extra}]' (in the environment of "
                   "Immo-Connect), then start again.").format(extra=extra),
            extra=extra,
            detail=detail,
        )


# The modules each extra brings, as imported by the code.
MODULES: dict[str, tuple[str, ...]] = {"eid": ("smartcard.scard", "PyKCS11"), "postgres": ("psycopg2",)}


def require(extra: str) -> None:
    """Check that every module of ``extra`` imports, before asking the user for anything."""
    for module in MODULES[extra]:
        import_extra(module, extra)


def import_extra(module: str, extra: str) -> ModuleType:
    """``import module``, or :class:`ExtraMissing` naming the ``extra`` that brings it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ExtraMissing.make(extra, detail=str(error)) from None
