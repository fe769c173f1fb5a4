"""What a delivery plugin receives for each issued invoice or credit note."""

from __future__ import annotations

import dataclasses
import datetime as dt


@dataclasses.dataclass(frozen=True)
class IssuedInvoice:
    """One issued document and its two renderings.

    ``kind`` is ``"invoice"`` or ``"credit_note"``; ``buyer_enterprise_number`` (ten digits)
    is the buyer's Peppol identifier under scheme ``0208``, as in the XML's ``EndpointID``.
    ``total_cents`` is the amount VAT included. ``xml`` is UBL 2.1 under Peppol BIS Billing
    3.0; ``pdf`` the same document for people. The same number is never delivered for two
    different documents; a delivery that raised is offered again at the next run.
    """

    number: str
    kind: str
    month: str
    issue_date: dt.date
    buyer_name: str
    buyer_enterprise_number: str
    total_cents: int
    pdf: bytes = dataclasses.field(repr=False)
    xml: bytes = dataclasses.field(repr=False)

    @property
    def file_stem(self) -> str:
        """``invoice-2026-000001`` / ``credit-note-2026-000002``: a file name without extension."""
        return f"{'credit-note' if self.kind == 'credit_note' else 'invoice'}-{self.number}"
