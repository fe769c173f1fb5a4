"""Monthly invoices and credit notes of tool use: PDF and UBL (Peppol BIS Billing 3.0).

See docs/invoices.md. The service is ``platform.invoices`` (:class:`InvoiceService`).
"""

from __future__ import annotations
