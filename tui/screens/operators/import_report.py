"""The report of one statement import: every credit it read, with what became of it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen

from immo_connect import formatting
from immo_connect.bank.models import BankEntry
from immo_connect.bank.service import STATUS_WORDS
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.operators.back_office import actor_of
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.footer import AppFooter
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Label
from immo_connect.tui.widgets.table import Column, RecordTable

ENTRY_WORDS = STATUS_WORDS  # the bank entries' words, shared with the bank's own messages


class ImportReportScreen(ServiceHandlers, Screen[None]):
    CSS_PATH = "../../styles/operators.tcss"

    def __init__(self, import_id: int, filename: str) -> None:
        super().__init__()
        self.import_id, self.filename = import_id, filename

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Back office · import"))
        yield Label(self.filename, classes="bo-title")
        yield FormMessage(id="bo-message")
        yield RecordTable(Column(_("Entry"), priority=3), Column(_("Booked"), keep=True),
                          Column(_("Amount"), keep=True, right=True), Column(_("Communication"), flex=True),
                          Column(_("Payer"), priority=1, max_width=25), Column(_("Result"), keep=True),
                          Column(_("Wallet"), priority=2), id="bo-entries")
        yield AppFooter()

    def on_mount(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "bo-import", platform.operators.money.import_entries, actor_of(self), self.import_id,
                     on_done=self._show, on_error=self._failed)

    def _show(self, entries: list[BankEntry]) -> None:
        table = self.query_one("#bo-entries", RecordTable)
        table.set_records((str(entry.id), [
            str(entry.id), formatting.date(entry.booking_date),
            "?" if entry.amount_cents is None else formatting.money(int(entry.amount_cents)),
            entry.communication or entry.communication_text or "—",
            entry.counterparty_name or "—", _(ENTRY_WORDS.get(entry.status, entry.status)),
            str(entry.organisation_id or "—")]) for entry in entries)
        table.focus()

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#bo-message", FormMessage).error(error)
