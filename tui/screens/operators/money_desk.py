"""« Finances » of the back office: the suspense list (assign an entry to a wallet), the
corrections and refunds waiting for a second finance operator, the latest statement imports,
the reconciliation of the statements, and the latest decisions with their reasons."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from immo_connect import formatting
from immo_connect.i18n import N_, _
from immo_connect.operators.money import MoneyOverview
from immo_connect.operators.words import REQUEST_KIND_WORDS, REQUEST_STATUS_WORDS
from immo_connect.tui._service import call_service
from immo_connect.tui.screens.operators.back_office import actor_of
from immo_connect.tui.screens.operators.desk import OperatorDeskScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.footer import AppFooter
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import DataTable, Label
from immo_connect.tui.widgets.table import Column, RecordTable, plain

KIND_WORDS, STATUS_WORDS = REQUEST_KIND_WORDS, REQUEST_STATUS_WORDS  # shared with the command line


def _money(cents: int | None) -> str:
    return "?" if cents is None else formatting.money(int(cents))


class MoneyDeskScreen(OperatorDeskScreen):
    BINDINGS = [
        Binding("a", "assign", N_("Assign the selected entry to a wallet"), id="bo-assign"),
        Binding("c", "correct", N_("New correction or refund"), id="bo-correct"),
        Binding("v", "approve", N_("Approve the selected request"), id="bo-approve"),
        Binding("x", "reject", N_("Reject the selected request"), id="bo-reject"),
        Binding("i", "import_statement", N_("Import a bank statement file"), id="bo-import"),
        Binding("r", "refresh", N_("Refresh"), id="bo-money-refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.overview: MoneyOverview | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Back office · finances"))
        with VerticalScroll(id="bo-money"):
            yield FormMessage(id="bo-message")
            yield Label(_("Suspense list"), classes="bo-title")
            yield RecordTable(Column(_("Entry"), priority=2), Column(_("Booked"), keep=True),
                              Column(_("Amount"), keep=True, right=True), Column(_("Communication"), flex=True),
                              Column(_("Payer"), priority=1, max_width=25),
                              id="bo-suspense", zebra_stripes=False, classes="bo-table")
            yield Label(_("Waiting for a second finance operator"), classes="bo-title")
            yield RecordTable(Column(_("Request"), priority=3), Column(_("Organisation"), keep=True, max_width=24),
                              Column(_("Kind"), keep=True), Column(_("Amount"), keep=True, right=True),
                              Column(_("Asked by"), priority=1, max_width=20), Column(_("Reason"), flex=True),
                              id="bo-pending", zebra_stripes=False, classes="bo-table")
            yield Label(_("Statement imports"), classes="bo-title")
            yield RecordTable(Column(_("File"), flex=True), Column(_("Imported"), keep=True),
                              Column(_("By"), priority=1, max_width=20), Column(_("Credited"), keep=True, right=True),
                              Column(_("Suspense"), keep=True, right=True),
                              Column(_("Duplicates"), priority=2, right=True),
                              id="bo-imports", zebra_stripes=False, classes="bo-table")
            yield Label(_("Reconciliation"), classes="bo-title")
            yield RecordTable(Column(_("Account"), flex=True), Column(_("Last statement"), priority=1),
                              Column(_("Date"), keep=True), Column(_("New balance"), keep=True, right=True),
                              id="bo-statements", zebra_stripes=False, classes="bo-table")
            yield Label("", id="bo-gaps", classes="bo-line")
            yield Label(_("Latest decisions of a second finance operator"), classes="bo-title")
            yield RecordTable(Column(_("Request"), priority=2), Column(_("Organisation"), keep=True, max_width=20),
                              Column(_("Amount"), keep=True, right=True), Column(_("Status"), keep=True),
                              Column(_("Decided by"), keep=True, max_width=16),
                              Column(_("Reason of the decision"), flex=True),
                              id="bo-decided", zebra_stripes=False, classes="bo-table")
        yield AppFooter()

    def on_mount(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "bo-money", platform.operators.money.overview, actor_of(self),
                     on_done=self._show, on_error=self._failed)

    def _show(self, overview: MoneyOverview) -> None:
        self.overview = overview
        self.query_one("#bo-suspense", RecordTable).set_records(
            (str(entry.id), [str(entry.id), formatting.date(entry.booking_date),
                             _money(entry.amount_cents), entry.communication or entry.communication_text or "—",
                             entry.counterparty_name or "—"]) for entry in overview.suspense)
        self.query_one("#bo-pending", RecordTable).set_records(
            (str(row.id), [str(row.id), row.organisation, _(KIND_WORDS.get(row.kind, row.kind)),
                           _money(row.amount_cents), row.requested_by, row.reason]) for row in overview.pending)
        self.query_one("#bo-imports", RecordTable).set_records(
            (str(done.id), [done.filename, formatting.date_time(done.imported_at), done.operator,
                            str(done.credited), str(done.suspense), str(done.duplicates)]) for done in overview.imports)
        self.query_one("#bo-statements", RecordTable).set_records(
            (str(statement.id), [statement.account, statement.label or "?",
                                 formatting.date(statement.closing_date),
                                 _money(statement.closing_cents)]) for statement in overview.statements)
        self.query_one("#bo-gaps", Label).update(
            "\n".join(_("Missing statement: {text}").format(text=gap) for gap in overview.gaps)
            or _("No statement is missing."))
        self.query_one("#bo-decided", RecordTable).set_records(
            (str(row.id), [str(row.id), row.organisation, _money(row.amount_cents),
                           _(STATUS_WORDS.get(row.status, row.status)), row.decided_by, row.decision_reason])
            for row in overview.decided)

    @property
    def _money_desk(self) -> Any:
        return self.app.platform.operators.money  # type: ignore[attr-defined]

    def action_assign(self) -> None:
        entry = self._selected("#bo-suspense", self.overview.suspense if self.overview else [])
        if entry is None:
            return
        self._ask(_("Credit entry {id} ({amount}) to the wallet of which organisation?").format(
            id=entry.id, amount=_money(entry.amount_cents)), _("Credit the wallet"),
            lambda a: (self._money_desk.assign_typed, (entry.id, a["organisation"], a["reason"])),
            _("Entry credited to the wallet."), [("organisation", _("Enterprise number or organisation id"))])

    def action_correct(self) -> None:
        self._ask(_("A correction (credit or debit) or a refund of a top-up; a top-up paid online is refunded "
                    "to the card. Above the limit, a second finance operator approves it."), _("Ask"),
                  lambda a: (self._money_desk.request_typed,
                             (a["organisation"], a["kind"], a["amount"], a["reason"], a["top_up"])),
                  self._requested,
                  [("organisation", _("Enterprise number or organisation id")), ("kind", _("credit, debit or refund")),
                   ("amount", _("Amount in euros")), ("top_up", _("Top-up transaction id (refunds only)"))])

    def _requested(self, row: object) -> None:
        status = str(row.status)  # type: ignore[attr-defined]
        self._done(_("Request {id} waits for a second finance operator.").format(id=row.id)  # type: ignore[attr-defined]
                   if status == "pending" else _("Request {id}: {status}.").format(id=row.id, status=status))  # type: ignore[attr-defined]

    def _decide(self, approve: bool) -> None:
        row = self._selected("#bo-pending", self.overview.pending if self.overview else [])
        if row is None:
            return
        question = (_("Approve request {id}: {kind} of {amount} for {organisation}?") if approve
                    else _("Reject request {id}: {kind} of {amount} for {organisation}?")).format(
            id=row.id, kind=_(KIND_WORDS.get(row.kind, row.kind)), amount=_money(row.amount_cents),
            organisation=row.organisation)
        self._ask(question, _("Approve") if approve else _("Reject"),
                  lambda a: (self._money_desk.approve, (row.id, a["reason"])) if approve
                  else (self._money_desk.reject, (row.id, a["reason"])), self._requested)

    def action_import_statement(self) -> None:
        self._ask(_("Import a bank statement (CODA or CAMT.053) from the import folder."), _("Import"),
                  lambda a: (self._money_desk.import_from_folder, (a["path"], a["reason"])), self._imported,
                  [("path", _("File name in the import folder"))])

    def _imported(self, report: Any) -> None:
        """Say what the import did, then open its report (what became of each credit)."""
        self._done(_("{file}: {credited} credited, {suspense} in suspense, {duplicate} already imported.").format(
            file=report.filename, credited=report.count("credited"), suspense=report.count("suspense"),
            duplicate=report.count("duplicate")))
        if report.import_id is not None:
            from immo_connect.tui.screens.operators.import_report import ImportReportScreen

            self.app.push_screen(ImportReportScreen(int(report.import_id), str(report.filename)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on an import opens its report."""
        if event.data_table.id != "bo-imports" or self.overview is None or event.row_key.value is None:
            return
        event.stop()
        from immo_connect.tui.screens.operators.import_report import ImportReportScreen

        # The row says which import (its key) and its file: the desk may have been refreshed since.
        key = str(event.row_key.value)
        cells = self.query_one("#bo-imports", RecordTable).records.get(key)
        if cells is not None:
            self.app.push_screen(ImportReportScreen(int(key), plain(cells[0])))

    def action_approve(self) -> None:
        self._decide(True)

    def action_reject(self) -> None:
        self._decide(False)
