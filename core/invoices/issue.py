"""Issuing one document: take the next number and write the invoice, in one transaction.

The yearly counter row is locked first (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
transaction's ``BEGIN IMMEDIATE`` holds the only write lock), and only then is the
organisation's invoice for the month looked up: a second server running the same month at
the same moment waits for the first to commit, then finds its invoice and issues nothing.
The number is taken in the transaction that writes the invoice, so a failure gives it back
and the yearly series has no gap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from immo_connect import audit
from immo_connect.invoices import document as documents
from immo_connect.invoices.models import Invoice, InvoiceCounter
from immo_connect.storage import database, is_postgres, transaction

DocumentFor = Callable[[str], documents.InvoiceDocument]  # the number -> the document


def format_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"


def _lock_counter(year: int) -> int:
    """The last number of ``year``, with its counter row locked until the transaction ends."""
    db: Any = database.obj
    InvoiceCounter.insert(year=year, last_number=0).on_conflict_ignore().execute()
    lock = " FOR UPDATE" if is_postgres() else ""
    row = db.execute_sql(f"SELECT last_number FROM invoice_counter WHERE year = {db.param}{lock}", (year,)).fetchone()
    return int(row[0])


def issue(organisation_id: int, month: str, kind: str, *, issue_date: dt.date, language: str,
          now: dt.datetime, source: str, make: DocumentFor) -> tuple[Invoice, bool]:
    """The organisation's ``kind`` document for ``month``: issued now, or the one issued before.

    Returns ``(invoice, issued_now)``. ``make`` builds the document once its number is known.
    """
    with transaction():
        last = _lock_counter(issue_date.year)
        existing: Invoice | None = Invoice.get_or_none(
            (Invoice.organisation == organisation_id) & (Invoice.month == month) & (Invoice.kind == kind))
        if existing is not None:
            return existing, False
        sequence = last + 1
        number = format_number(issue_date.year, sequence)
        document = make(number)
        (InvoiceCounter.update(last_number=sequence)
         .where((InvoiceCounter.year == issue_date.year) & (InvoiceCounter.last_number == last)).execute())
        totals = document.totals
        invoice: Invoice = Invoice.create(
            organisation=organisation_id, month=month, kind=kind, year=issue_date.year, sequence=sequence,
            number=number, issue_date=issue_date, language=language, net_cents=totals.net_cents,
            vat_cents=totals.vat_cents, total_cents=totals.paid_cents, document=documents.dumps(document),
            created_at=now,
        )
        audit.record(f"invoice.{kind}_issued", organisation_id=organisation_id, target=f"invoice:{number}",
                     source=source, at=now,
                     detail={"month": month, "net_cents": totals.net_cents, "vat_cents": totals.vat_cents,
                             "total_cents": totals.paid_cents, "lines": len(totals.lines)})
    return invoice, True


def mark_delivered(invoice_id: int, at: dt.datetime) -> bool:
    """Record that the delivery hooks were told; False when another process did it first."""
    with transaction():
        changed = (Invoice.update(delivered_at=at)
                   .where((Invoice.id == invoice_id) & Invoice.delivered_at.is_null()).execute())
    return bool(changed)


def unmark_delivered(invoice_id: int) -> None:
    """A delivery failed: offer the invoice again at the next run."""
    with transaction():
        Invoice.update(delivered_at=None).where(Invoice.id == invoice_id).execute()


def undelivered(month: str) -> list[Invoice]:
    return list(Invoice.select().where((Invoice.month == month) & Invoice.delivered_at.is_null())
            .order_by(Invoice.year, Invoice.sequence))
