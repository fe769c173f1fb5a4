"""Wallet → Factures: the organisation's invoices and credit notes, and their files.

Managers and members with the wallet's *view* right see the list (the core checks it on
every call). « Download » writes the PDF and the Peppol UBL XML of the selected document to
the person's export folder and shows the paths: the UI may run over SSH, as for the CSV
export, so nothing is opened on the server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer

from immo_connect import formatting
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, DataTable, Label
from immo_connect.tui.widgets.table import Column, RecordTable
from immo_connect.wallet.texts import euros


def kind_title(kind: str) -> str:
    return _("Credit note") if kind == "credit_note" else _("Invoice")


class WalletInvoicesScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "wallet"
    CSS_PATH = "../../styles/wallet.tcss"
    BINDINGS = [
        Binding("d", "download", N_("Download PDF and XML"), id="invoices-download"),
        Binding("r", "refresh", N_("Refresh"), id="invoices-refresh"),
        Binding("escape", "back", N_("Back to the wallet"), id="invoices-back"),
    ]

    def __init__(self, organisation_id: int) -> None:
        super().__init__()
        self.organisation_id = organisation_id
        self.rows: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Invoices"))
        # The number, the date and the total always show; the others while there is room.
        yield RecordTable(Column(_("Number"), keep=True), Column(_("Type"), priority=1),
                          Column(_("Month"), priority=3), Column(_("Date"), keep=True),
                          Column(_("Excl. VAT (EUR)"), priority=2, right=True),
                          Column(_("VAT (EUR)"), priority=4, right=True), Column(_("Total (EUR)"), keep=True, right=True),
                          id="invoices-table")
        yield Button(_("Download PDF and XML"), id="invoices-download-button", variant="primary")
        yield Label("", id="invoices-message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#invoices-table", RecordTable).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "invoices-list", platform.invoices.invoices_of, actor_of(self.app), self.organisation_id,
                     on_done=self._show, on_error=self._failed)

    def _show(self, invoices: list[Any]) -> None:
        self.rows = {str(invoice.id): invoice for invoice in invoices}
        self.query_one("#invoices-table", RecordTable).set_records(
            (str(invoice.id), [str(invoice.number), kind_title(str(invoice.kind)), str(invoice.month),
                               formatting.date(invoice.issue_date), euros(int(invoice.net_cents)),
                               euros(int(invoice.vat_cents)), euros(int(invoice.total_cents))])
            for invoice in invoices)
        self.refresh_bindings()
        self._say(_("No invoice yet: invoices are issued at the start of each month for the month before.")
                  if not invoices else _("D: save the PDF and the XML of the selected invoice."))

    def _selected(self) -> Any:
        key = self.query_one("#invoices-table", RecordTable).selected_key()
        return self.rows.get(key) if key is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "download":
            return bool(self.rows)  # a document to save
        return True

    def action_download(self) -> None:
        invoice = self._selected()
        if invoice is None:
            self._say(_("Choose an invoice in the list first."), error=True)
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "invoices-download", platform.invoices.save_files, actor_of(self.app), int(invoice.id),
                     on_done=self._saved, on_error=self._failed)

    def _saved(self, paths: tuple[Path, Path]) -> None:
        text = _("Invoice saved: {pdf} and {xml}").format(pdf=paths[0], xml=paths[1])
        self._say(text)
        self.notify(text, title=_("File saved"))

    def _failed(self, error: ImmoConnectError) -> None:
        self._say(str(error), error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#invoices-message", Label)
        message.update(text)
        message.set_class(error, "error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "invoices-download-button":
            event.stop()
            self.action_download()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_download()

    def action_back(self) -> None:
        self.dismiss(None)
