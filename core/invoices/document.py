"""What an issued invoice or credit note says, as stored (JSON) and rendered (PDF, UBL).

The document is written once, when the number is taken, with the parties as they were that
day: a later change of an organisation's address does not change an issued invoice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import Any

from immo_connect.invoices.amounts import Line, Totals, VatSubtotal


@dataclasses.dataclass(frozen=True)
class Party:
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    enterprise_number: str  # ten digits: the Peppol identifier under scheme 0208
    vat_number: str = ""  # BE0123456789, or "" when the party is not liable for VAT
    email: str = ""
    iban: str = ""
    bic: str = ""


@dataclasses.dataclass(frozen=True)
class InvoiceDocument:
    kind: str  # "invoice" or "credit_note"
    number: str
    issue_date: dt.date
    period_start: dt.date
    period_end: dt.date
    seller: Party
    buyer: Party
    totals: Totals
    vat_on: str  # "use" or "topup": what the lines are
    credited_number: str = ""  # credit note: the invoice of the same month, when there is one
    credited_date: dt.date | None = None


def _line(data: dict[str, Any]) -> Line:
    return Line(data["tool"], data["name"], int(data["quantity"]), int(data["unit_gross_cents"]),
                Decimal(data["vat_rate"]), int(data["net_cents"]), Decimal(data["unit_price"]),
                data.get("usage_mode"))  # documents issued before lines had a mode have none


def dumps(document: InvoiceDocument) -> str:
    totals = document.totals
    data = {
        "kind": document.kind, "number": document.number, "issue_date": document.issue_date.isoformat(),
        "period": [document.period_start.isoformat(), document.period_end.isoformat()],
        "seller": dataclasses.asdict(document.seller), "buyer": dataclasses.asdict(document.buyer),
        "vat_on": document.vat_on, "credited_number": document.credited_number,
        "credited_date": document.credited_date.isoformat() if document.credited_date else None,
        "lines": [{"tool": line.tool, "name": line.name, "quantity": line.quantity,
                   "unit_gross_cents": line.unit_gross_cents, "vat_rate": str(line.vat_rate),
                   "net_cents": line.net_cents, "unit_price": str(line.unit_price),
                   "usage_mode": line.usage_mode} for line in totals.lines],
        "subtotals": [{"rate": str(s.rate), "taxable_cents": s.taxable_cents, "vat_cents": s.vat_cents}
                      for s in totals.subtotals],
        "totals": {"net": totals.net_cents, "vat": totals.vat_cents, "tax_inclusive": totals.tax_inclusive_cents,
                   "paid": totals.paid_cents, "rounding": totals.rounding_cents, "payable": totals.payable_cents},
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> InvoiceDocument:
    data = json.loads(text)
    sums = data["totals"]
    totals = Totals(
        lines=tuple(_line(line) for line in data["lines"]),
        subtotals=tuple(VatSubtotal(Decimal(s["rate"]), int(s["taxable_cents"]), int(s["vat_cents"]))
                        for s in data["subtotals"]),
        net_cents=int(sums["net"]), vat_cents=int(sums["vat"]), tax_inclusive_cents=int(sums["tax_inclusive"]),
        paid_cents=int(sums["paid"]), rounding_cents=int(sums["rounding"]), payable_cents=int(sums["payable"]),
    )
    credited = data.get("credited_date")
    return InvoiceDocument(
        kind=data["kind"], number=data["number"], issue_date=dt.date.fromisoformat(data["issue_date"]),
        period_start=dt.date.fromisoformat(data["period"][0]), period_end=dt.date.fromisoformat(data["period"][1]),
        seller=Party(**data["seller"]), buyer=Party(**data["buyer"]), totals=totals, vat_on=data["vat_on"],
        credited_number=data.get("credited_number", ""),
        credited_date=dt.date.fromisoformat(credited) if credited else None,
    )
