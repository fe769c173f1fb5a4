"""Invoice delivery by file drop: each issued document lands in a folder as PDF and UBL XML.

For a Peppol access point (or an accounting package) that picks up files from a folder.
Off unless its table says so, with the folder::

    [plugins.invoice_drop]
    enabled = true
    folder = "/var/spool/immo-connect/invoices"

Each document becomes ``<folder>/<buyer's enterprise number>/invoice-2026-000001.xml`` and
``….pdf``. A file is written under a temporary name and renamed once complete, the PDF
first: whoever watches for ``*.xml`` never picks up half a file, nor an XML without its PDF.
Delivering the same number again rewrites the same two files.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.invoices import IssuedInvoice
from immo_connect.files import write_file


@dataclasses.dataclass(frozen=True)
class FileDropConfig:
    folder: Path  # required: where the documents are dropped


@hookimpl
def immo_connect_config_schema() -> type:
    return FileDropConfig


@hookimpl
def immo_connect_deliver_invoice(invoice: IssuedInvoice, config: Any) -> None:
    folder = Path(config.folder) / invoice.buyer_enterprise_number
    write_file(folder / f"{invoice.file_stem}.pdf", lambda out: out.write(invoice.pdf))
    write_file(folder / f"{invoice.file_stem}.xml", lambda out: out.write(invoice.xml))
