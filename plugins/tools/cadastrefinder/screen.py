"""The screen of CadastreFinder (imported by the terminal UI only).

The search runs in a worker through :func:`search.search`, which checks the rights under
the tool context, charges the organisation's wallet and logs the search.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from immo_connect import formatting
from immo_connect.errors import ImmoConnectError
from immo_connect.formatting import money
from immo_connect.i18n import N_, _, ngettext
from immo_connect.plugins.tools.cadastrefinder.parcels import ParcelQuery
from immo_connect.plugins.tools.cadastrefinder.search import search
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.widgets.safe import Button, Input, Label
from immo_connect.tui.widgets.table import Column, RecordTable


class CadastreFinderScreen(ServiceHandlers, Screen[None]):
    BINDINGS = [
        Binding("ctrl+f", "search", N_("Search"), id="cadastre-search"),
        Binding("ctrl+l", "clear", N_("Clear the criteria"), id="cadastre-clear"),
        Binding("escape", "close", N_("Close the tool"), id="cadastre-close"),
    ]
    CSS_PATH = Path(__file__).with_name("screen.tcss")

    def __init__(self, context: Any) -> None:
        super().__init__()
        self.context = context
        self.pending_key: str | None = None

    def compose(self) -> ComposeResult:
        from immo_connect.tui.widgets.header import AppHeader

        platform = self.app.platform  # type: ignore[attr-defined]
        tool = platform.tools.tool("cadastrefinder")
        mode = tool.mode(self.context.mode)
        price = tool.price("search")
        self.price_cents = price.amount_cents if price else 0
        yield AppHeader("CadastreFinder")
        with Vertical():
            yield Label(_("Working for {organisation} — {mode}.").format(
                organisation=self.context.organisation_name, mode=_(mode.title) if mode else self.context.mode),
                id="cadastre-quality", classes="cadastre-line")
            with Grid(classes="cadastre-form"):
                yield Label(_("Municipality or NIS code"))
                yield Label(_("Section"))
                yield Label(_("Parcel number"))
                yield Label(_("Address"))
                yield Input(id="cadastre-municipality", placeholder="Liège / 62063")
                yield Input(id="cadastre-section", placeholder="A", max_length=1)
                yield Input(id="cadastre-parcel", placeholder="0123/45A")
                yield Input(id="cadastre-address", placeholder=_("Street and number"))
            with Horizontal(classes="buttons"):
                yield Button(_("Search ({price})").format(price=formatting.money(self.price_cents)), id="cadastre-search-button",
                             variant="primary")
                yield Button(_("Close"), id="cadastre-close-button")
            yield Label(_("Each search is charged to the wallet of {organisation} and logged.").format(
                organisation=self.context.organisation_name), classes="cadastre-line")
            yield Label("", id="cadastre-status", classes="cadastre-line")
            yield RecordTable(Column(_("CaPaKey"), keep=True), Column(_("Municipality"), priority=1, max_width=20),
                              Column(_("Division"), priority=5), Column(_("Section"), priority=4),
                              Column(_("Parcel"), priority=3), Column(_("Address"), flex=True),
                              Column(_("Nature"), priority=2, max_width=16), Column(_("Area (m²)"), keep=True, right=True),
                              Column(_("Cadastral income (€)"), priority=6, right=True), id="cadastre-results")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#cadastre-municipality", Input).focus()

    def _query(self) -> ParcelQuery:
        return ParcelQuery(
            municipality=self.query_one("#cadastre-municipality", Input).value,
            section=self.query_one("#cadastre-section", Input).value,
            parcel=self.query_one("#cadastre-parcel", Input).value,
            address=self.query_one("#cadastre-address", Input).value,
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_search()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cadastre-search-button":
            self.action_search()
        elif event.button.id == "cadastre-close-button":
            self.action_close()

    def action_search(self) -> None:
        query = self._query()
        if query.is_empty():
            self.query_one("#cadastre-status", Label).update(_("Give at least one search criterion."))
            return
        # One key per search until it ends: pressing again meanwhile is not charged twice.
        self.pending_key = self.pending_key or uuid.uuid4().hex
        self.query_one("#cadastre-status", Label).update(_("Searching…"))
        call_service(self, "cadastre-search", search, self.app.platform, self.context, query,  # type: ignore[attr-defined]
                     idempotency_key=self.pending_key, on_done=self._show, on_error=self._failed)

    def _show(self, result: Any) -> None:
        self.pending_key = None
        table = self.query_one("#cadastre-results", RecordTable)
        table.set_records((str(index), [parcel.capakey, parcel.municipality, parcel.division, parcel.section,
                                        parcel.parcel, parcel.address, parcel.nature, str(parcel.area_m2 or "—"),
                                        str(parcel.cadastral_income_eur)])
                          for index, parcel in enumerate(result.parcels))
        number = result.transaction.number
        self.query_one("#cadastre-status", Label).update(
            ngettext("{count} parcel found. {amount} charged to the wallet of {organisation} (transaction {number}).",
                     "{count} parcels found. {amount} charged to the wallet of {organisation} (transaction {number}).",
                     len(result.parcels)).format(
                count=len(result.parcels), amount=money(result.price_cents),
                organisation=self.context.organisation_name, number=number if number is not None else "—"))
        if result.parcels:
            table.focus()

    def _failed(self, error: ImmoConnectError) -> None:
        self.pending_key = None
        self.query_one("#cadastre-status", Label).update(f"✗ {error}")
        if error.code in ("forbidden", "not_member", "no_access", "access_blocked", "recognition_invalid",
                          "mandate_invalid", "terms_not_accepted", "account_inactive"):
            self.notify(str(error), severity="error", title=_("Access ended"))

    def action_clear(self) -> None:
        for selector in ("#cadastre-municipality", "#cadastre-section", "#cadastre-parcel", "#cadastre-address"):
            self.query_one(selector, Input).value = ""
        self.query_one("#cadastre-municipality", Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)
