"""« Back office »: find an account by name, username, e-mail, enterprise number or
structured communication; results come one page at a time (``N`` / ``P``)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _, ngettext
from immo_connect.operators.find import AccountPage, PageKey
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.footer import AppFooter
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, DataTable, Input, Label
from immo_connect.tui.widgets.table import Column, RecordTable

PAGE_SIZE = 50
STATUS_WORDS = {"pending": N_("not activated"), "active": N_("active"), "blocked": N_("blocked"),
                "deleted": N_("deleted")}


def actor_of(screen: Screen[object]) -> int:
    session = getattr(screen.app, "session", None)
    return int(session.account_id) if session is not None else 0


class BackOfficeScreen(ServiceHandlers, Screen[None]):
    CSS_PATH = "../../styles/operators.tcss"
    BINDINGS = [
        Binding("slash", "search", N_("Search an account"), id="bo-search", key_display="/"),
        Binding("n", "next_page", N_("Next page"), id="bo-next"),
        Binding("p", "previous_page", N_("Previous page"), id="bo-previous"),
        Binding("m", "money", N_("Money desk"), id="bo-money"),
        Binding("o", "roles", N_("Operators"), id="bo-roles"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page: AccountPage | None = None
        self.query_text = ""

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Back office"))
        with Horizontal(id="bo-search-row"):
            yield Input(id="bo-query", max_length=100,
                        placeholder=_("Name, username, e-mail, enterprise number or structured communication"))
            yield Button(_("Search"), id="bo-go", variant="primary")
        yield FormMessage(id="bo-message")
        yield RecordTable(Column(_("Name"), keep=True, max_width=30), Column(_("Username"), priority=1, max_width=24),
                          Column(_("E-mail"), flex=True), Column(_("Status"), keep=True), Column(_("eID"), keep=True),
                          id="bo-results")
        yield Label("", id="bo-page")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#bo-query", Input).focus()

    def action_search(self) -> None:
        self.query_one("#bo-query", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._search()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "bo-go":
            event.stop()
            self._search()

    def _search(self, *, after: PageKey | None = None, before: PageKey | None = None) -> None:
        """The first page of what was typed, or the page after/before the one shown."""
        if after is None and before is None:
            self.query_text = self.query_one("#bo-query", Input).value
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "bo-find", platform.operators.find, actor_of(self), self.query_text, after=after,
                     before=before, page_size=PAGE_SIZE, on_done=self._show, on_error=self._failed)

    def _show(self, page: AccountPage) -> None:
        self.page = page
        table = self.query_one("#bo-results", RecordTable)
        table.set_records((str(row.id), [row.name, row.username, row.email or "—",
                                         _(STATUS_WORDS.get(row.status, row.status)),
                                         _("linked") if row.eid_linked else "—"]) for row in page.rows)
        self.query_one("#bo-message", FormMessage).update("")
        self.query_one("#bo-page", Label).update(
            ngettext("{total} account · page {page} of {pages} · N next, P previous, Enter opens",
                     "{total} accounts · page {page} of {pages} · N next, P previous, Enter opens", page.total).format(
                total=page.total, page=page.page, pages=page.pages))
        if page.rows:
            table.focus()

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#bo-message", FormMessage).error(error)

    def action_next_page(self) -> None:
        if self.page is not None and self.page.has_next:
            self._search(after=self.page.last)

    def action_previous_page(self) -> None:
        if self.page is not None and self.page.has_previous:
            self._search(before=self.page.first)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            from immo_connect.tui.screens.operators.account_view import AccountViewScreen

            self.app.push_screen(AccountViewScreen(int(event.row_key.value)))

    def action_money(self) -> None:
        from immo_connect.tui.screens.operators.money_desk import MoneyDeskScreen

        self.app.push_screen(MoneyDeskScreen())

    def action_roles(self) -> None:
        from immo_connect.tui.screens.operators.roles import OperatorRolesScreen

        self.app.push_screen(OperatorRolesScreen())
