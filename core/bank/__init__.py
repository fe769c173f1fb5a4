"""Bank statements of the platform's account: reading them and crediting top-ups from them.

:func:`read_statement` recognises the format by content (CODA 2.x or camt.053) and returns
the entries; :class:`immo_connect.bank.service.BankService` (``platform.bank``) imports them:
each credit whose structured communication belongs to a wallet is credited once, the others
wait in the suspense list. See docs/payments.md.
"""

from __future__ import annotations

from immo_connect.bank import camt, coda
from immo_connect.bank._entries import PROBLEMS, AccountStatement, Statement, StatementEntry
from immo_connect.errors import ValidationError
from immo_connect.i18n import _

__all__ = ["PROBLEMS", "AccountStatement", "Statement", "StatementEntry", "detect_format", "read_statement"]

MAX_STATEMENT_BYTES = 50 * 1024 * 1024


def detect_format(data: bytes) -> str:
    """``"camt053"`` or ``"coda"`` from the first bytes, or a :class:`ValidationError`."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "camt053"
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    # CODA record 0: "0", four zeros, the creation date, and application code 05 at 15–16.
    if first[:5] == b"00000" and first[5:11].isdigit() and first[14:16] == b"05":
        return "coda"
    raise ValidationError(
        _("This file is neither a CODA statement nor a camt.053 statement."),
        hint=_("Import the CODA (.cod) or camt.053 (.xml) file exactly as the bank delivered it."),
        code="statement_format",
    )


def read_statement(data: bytes) -> Statement:
    """Parse a statement file of either format; bad lines are entries with a problem."""
    if not data.strip():
        raise ValidationError(
            _("The statement file is empty."),
            hint=_("Import the CODA (.cod) or camt.053 (.xml) file exactly as the bank delivered it."),
            code="statement_empty",
        )
    if len(data) > MAX_STATEMENT_BYTES:
        raise ValidationError(
            _("The statement file is larger than 50 MB."),
            hint=_("Import the bank's daily statements one file at a time."), code="statement_size",
        )
    if detect_format(data) == "camt053":
        return camt.parse(data)
    # CODA is ASCII in practice; banks that add accents use Windows-1252.
    return coda.parse(data.decode("cp1252", errors="replace"))
