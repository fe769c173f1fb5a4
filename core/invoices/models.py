"""Invoices and credit notes of tool use, and their numbering.

* :class:`InvoiceCounter` holds the last number issued per year. A number is taken in the
  transaction that writes the invoice, with the counter row locked (``SELECT … FOR UPDATE``
  on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), so numbers are
  gapless and never reused even when several servers share one database: a rolled-back
  transaction gives its number back with it.
* :class:`Invoice` is one issued document (``kind`` ``invoice`` or ``credit_note``): at most
  one of each kind per organisation and month (a unique index), so running a month again
  issues nothing twice. The stored ``document`` (JSON) holds everything the PDF and the
  UBL XML are made from, so both can be made again, identical, at any time. Issued rows never
  change except ``delivered_at``, which records that the delivery hooks were told.
"""

from __future__ import annotations

import peewee

from immo_connect.i18n import N_
from immo_connect.organisations.models import Organisation
from immo_connect.storage import BaseModel, Migration

KIND_INVOICE = "invoice"
KIND_CREDIT_NOTE = "credit_note"
KINDS: tuple[str, ...] = (KIND_INVOICE, KIND_CREDIT_NOTE)


class InvoiceCounter(BaseModel):
    year = peewee.IntegerField(primary_key=True)
    last_number = peewee.BigIntegerField(default=0)

    class Meta:
        table_name = "invoice_counter"


class Invoice(BaseModel):
    id = peewee.BigAutoField()
    organisation = peewee.ForeignKeyField(Organisation, backref="invoices", on_delete="RESTRICT")
    month = peewee.CharField(max_length=7)  # YYYY-MM: the month of use it invoices
    kind = peewee.CharField(max_length=12)
    year = peewee.IntegerField()
    sequence = peewee.BigIntegerField()
    number = peewee.CharField(max_length=20, unique=True)  # YYYY-NNNNNN
    issue_date = peewee.DateField()
    language = peewee.CharField(max_length=2)
    net_cents = peewee.BigIntegerField()
    vat_cents = peewee.BigIntegerField()
    total_cents = peewee.BigIntegerField()  # VAT included: what the wallet paid
    document = peewee.TextField()  # JSON, see immo_connect.invoices.document
    created_at = peewee.DateTimeField()
    delivered_at = peewee.DateTimeField(null=True)

    organisation_id: int  # the column behind ``organisation`` (for type checkers)

    class Meta:
        table_name = "invoice"
        indexes = (
            (("organisation", "month", "kind"), True),
            (("year", "sequence"), True),
        )


def _create(db: peewee.Database) -> None:
    db.create_tables([InvoiceCounter, Invoice])


MIGRATIONS = [
    Migration(1, N_("invoices, credit notes and their yearly numbering"), _create),
]
