"""The table of the person's organisations, on « Mes organisations » and on the home dashboard.

Managed organisations carry a star and the word "Gestionnaire"; a pending or blocked one is
dimmed and says so in words; waiting join requests show a marker with their number. Nothing
relies on colour alone. With the balances (the dashboard), each wallet's balance is there
too. The name takes what is left of the width and ends with « … » when it is cut.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from immo_connect import formatting
from immo_connect.formats.enterprise import format_number
from immo_connect.i18n import _, ngettext
from immo_connect.organisations.data import STATUS_LABELS, OrganisationSummary
from immo_connect.tui.screens.organisations._org_navigation import open_organisation_screen
from immo_connect.tui.widgets.table import Column, RecordTable

MANAGER_MARK = "★"
REQUESTS_MARK = "●"
PENDING_MARK = "⏳"


class OrganisationsTable(RecordTable):
    """``with_balances``: a column with each wallet's balance (« — » when it is not visible)."""

    def __init__(self, *, with_balances: bool = False, **kwargs: Any) -> None:
        # Waiting join requests are what a manager acts on: they stay, cut if need be.
        columns = [Column(_("Organisation"), flex=True), Column(_("Role"), keep=True),
                   Column(_("Status"), keep=True, max_width=12)]
        if with_balances:
            columns.append(Column(_("Balance"), keep=True, right=True))
        columns += [Column(_("Requests"), keep=True, max_width=14), Column(_("Enterprise number"), priority=1)]
        super().__init__(*columns, **kwargs)
        self.with_balances = with_balances
        self.summaries: dict[int, OrganisationSummary] = {}

    def show(self, summaries: list[OrganisationSummary], balances: dict[int, int | None] | None = None) -> None:
        self.summaries = {summary.id: summary for summary in summaries}
        self.set_records((str(summary.id), self._cells(summary, balances or {})) for summary in summaries)

    def _cells(self, summary: OrganisationSummary, balances: dict[int, int | None]) -> list[Text]:
        role = Text(f"{MANAGER_MARK} " + _("Manager"), style="bold") if summary.is_manager else Text(_("Employee"))
        status = Text((f"{PENDING_MARK} " if summary.status == "pending" else "") + _(STATUS_LABELS[summary.status]))
        requests = Text(f"{REQUESTS_MARK} " + ngettext(
            "{count} request waiting", "{count} requests waiting", summary.pending_requests,
        ).format(count=summary.pending_requests), style="bold reverse") if summary.pending_requests else Text("")
        cells = [Text(summary.name), role, status]
        if self.with_balances:
            balance = balances.get(summary.id)
            cells.append(Text(formatting.money(balance) if balance is not None else "—"))
        cells += [requests, Text(format_number(summary.enterprise_number))]
        if not summary.usable:
            for cell in cells:
                cell.stylize("dim")
        return cells

    def selected(self) -> OrganisationSummary | None:
        key = self.selected_key()
        return self.summaries.get(int(key)) if key is not None else None

    def usable(self) -> OrganisationSummary | None:
        """The selected organisation when the person may work in it; else says why (None)."""
        selected = self.selected()
        if selected is None:
            self.notify(_("Choose an organisation first."), severity="warning")
            return None
        if not selected.usable:
            self.notify(_("{name} is awaiting confirmation: a manager must confirm you first.").format(
                name=selected.name) if selected.status == "pending" else
                _("Your access to {name} is blocked.").format(name=selected.name), severity="warning")
            return None
        return selected

    def open_selected(self, kind: str) -> None:
        """Open the ``kind`` screen (details, employees, tools, wallet) of the selected
        organisation; the employees of one with waiting requests open on those requests."""
        selected = self.usable()
        if selected is None:
            return
        if kind == "employees" and not selected.is_manager:
            self.notify(_("Only managers see the employees."), severity="warning")
            return
        waiting = {"status": "pending"} if kind == "employees" and selected.pending_requests else {}
        open_organisation_screen(self.screen, kind, selected.id, **waiting)
