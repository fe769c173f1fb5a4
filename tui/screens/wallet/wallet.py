"""« Wallet »: the balance in the centre, « Recharger solde », and the transactions below.

The list pages from the database (keyset paging, newest first), so a wallet with a million
transactions opens as fast as a new one. Filters by number, dates, status and type apply
with « Filtrer » and are cleared with « Supprimer tous les filtres ». « Exporter » writes the
filtered transactions as CSV, and the voucher key writes the « Bon de transaction » of the
selected line as PDF, both into the user's export folder (the path is shown: the UI may run
over SSH, so no file dialog on the server). Statuses are written out in words with a symbol.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer

from immo_connect import formatting
from immo_connect.formatting import money
from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.pager import Pager
from immo_connect.tui.widgets.safe import Button, DataTable, Input, Label, Select
from immo_connect.tui.widgets.table import Column, RecordTable
from immo_connect.wallet._views import NO_FILTER, OrganisationChoice, Page, TransactionFilter, WalletOverview, to_local
from immo_connect.wallet.forms import filter_from_form
from immo_connect.wallet.models import KIND_TOOL, STATUSES, WalletTransaction
from immo_connect.wallet.rights import RIGHT_MANAGE, RIGHT_NONE, RIGHT_TOP_UP, includes
from immo_connect.wallet.texts import STATUS_SYMBOLS, euros, kind_label, reason_label, status_label

PAGE_SIZE = 50
TOPUP_MODULE = "immo_connect.tui.screens.wallet.topup"
ALL = "all"


@dataclass(frozen=True)
class WalletState:
    """What the screen shows above the list, loaded in one worker."""

    organisations: list[OrganisationChoice]
    overview: WalletOverview | None
    types: list[tuple[str, str]]
    tool_titles: dict[str, str]
    by: list[tuple[str, str]]  # the « Par » filter's choices


def load_state(platform: Any, actor: int, organisation_id: int | None) -> WalletState:
    wallet = platform.wallet
    organisations = wallet.organisations(actor)
    ids = [choice.id for choice in organisations]
    if organisation_id not in ids:
        organisation_id = ids[0] if ids else None
    overview = wallet.overview(actor, organisation_id) if organisation_id is not None else None
    titles = {tool.name: (getattr(tool, "title", "") or tool.name) for tool in platform.plugins.tools()}
    by = wallet.by_choices(actor, organisation_id) if organisation_id is not None else []
    return WalletState(organisations, overview, wallet.type_choices(), titles, by)


def negative_notice(overview: WalletOverview) -> str:
    """Why the balance is below zero and what it means, or nothing when it is not."""
    if overview.balance_cents >= 0:
        return ""
    taken = overview.last_take_back
    why = (_("{amount} of a top-up was taken back on {date}: {reason}.").format(
        amount=formatting.money(-int(taken.amount)), date=formatting.date(to_local(taken.created_at)),
        reason=reason_label(str(taken.failure_reason))) if taken is not None else "")
    return " ".join(part for part in (
        "⚠ " + _("The balance is negative."), why,
        _("Tools cannot be paid for until the wallet is topped up by at least {amount}.").format(
            amount=formatting.money(-overview.balance_cents)),
    ) if part)


def load_page(platform: Any, actor: int, organisation_id: int,
              form: tuple[str, str, str, str | None, str | None, str | None], after: str | None) -> tuple[TransactionFilter, Page]:
    filters = filter_from_form(*form)
    return filters, platform.wallet.transactions(actor, organisation_id, filters, after=after, limit=PAGE_SIZE)


def transaction_columns() -> tuple[Column, ...]:
    """The date, the amount and the status are always on screen; the description takes what
    is left; the others go when the screen is narrow (all of them are in « Full row »)."""
    return (
        Column(_("No."), priority=1),
        Column(_("Date"), keep=True),
        Column(_("Tool / type"), priority=3, max_width=20),
        Column(_("Description"), flex=True),
        Column(_("By"), priority=4, max_width=20),
        Column(_("Amount (EUR)"), keep=True, right=True),
        Column(_("Status"), keep=True, max_width=24),
        Column(_("Balance before"), priority=5, right=True),
        Column(_("Balance after"), priority=2, right=True),
        Column(_("Voucher"), priority=6),
    )


class WalletScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "wallet"
    CSS_PATH = "../../styles/wallet.tcss"
    BINDINGS = [
        Binding("t", "top_up", N_("Top up the balance"), id="wallet-topup"),
        Binding("v", "voucher", N_("Transaction voucher (PDF)"), id="wallet-voucher"),
        Binding("x", "export", N_("Export (CSV)"), id="wallet-export"),
        Binding("f", "invoices", N_("Invoices"), id="wallet-invoices"),
        Binding("m", "transfer", N_("Transfer to another wallet"), id="wallet-transfer"),
        Binding("b", "refund", N_("Refund the selected top-up"), id="wallet-refund"),
        Binding("slash", "focus_filters", N_("Filters"), id="wallet-filters", key_display="/"),
        Binding("c", "clear_filters", N_("Clear all filters"), id="wallet-clear"),
        Binding("n", "next_page", N_("Next page"), id="wallet-next"),
        Binding("p", "previous_page", N_("Previous page"), id="wallet-previous"),
        Binding("r", "refresh", N_("Refresh"), id="wallet-refresh"),
    ]

    def __init__(self, organisation_id: int | None = None) -> None:
        super().__init__()
        self.organisation_id = organisation_id
        self.state: WalletState | None = None
        self.filters: TransactionFilter = NO_FILTER
        self.pager: Pager[str] = Pager()
        self.page: Page | None = None
        self.rows: dict[str, WalletTransaction] = {}
        self._filling = False  # set while the screen fills its own selects

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Wallet"))
        with Horizontal(id="wallet-top"):
            yield Select([], id="wallet-org", prompt=_("Organisation"), allow_blank=True)
        with Vertical(id="wallet-centre"):
            yield Label(_("Balance"), id="wallet-balance-title")
            yield Label("…", id="wallet-balance")
            yield Label("", id="wallet-negative")
            with Horizontal(id="wallet-actions"):
                yield Button(_("Top up the balance"), id="wallet-topup-button", variant="primary")
                yield Button(_("Transfer"), id="wallet-transfer-button")
                yield Button(_("Export"), id="wallet-export-button")
                yield Button(_("Invoices"), id="wallet-invoices-button")
        with Horizontal(id="wallet-filters"):
            yield Input(id="wallet-filter-number", placeholder=_("Number"))
            yield Input(id="wallet-filter-from", placeholder=_("From (DD/MM/YYYY)"))
            yield Input(id="wallet-filter-to", placeholder=_("To (DD/MM/YYYY)"))
            yield Select([(_("All statuses"), ALL)] + [(status_label(s), s) for s in STATUSES],
                         id="wallet-filter-status", value=ALL, allow_blank=False)
            yield Select([(_("All types"), ALL)], id="wallet-filter-type", value=ALL, allow_blank=False)
            yield Select([(_("By anyone"), ALL)], id="wallet-filter-by", value=ALL, allow_blank=False)
            yield Button(_("Filter"), id="wallet-filter-button")
            yield Button(_("Clear all filters"), id="wallet-clear-button")
        yield RecordTable(*transaction_columns(), id="wallet-transactions")
        yield Label("", id="wallet-page")
        yield Label("", id="wallet-message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#wallet-transactions", RecordTable).focus()
        self._load_state()

    def on_screen_resume(self) -> None:
        self._load_state(reload_page=True)

    # -- loading ------------------------------------------------------------------------------

    def _load_state(self, *, reload_page: bool = False) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "wallet-state", load_state, platform, actor_of(self.app), self.organisation_id,
                     on_done=lambda state: self._show_state(state, reload_page))

    def _show_state(self, state: WalletState, reload_page: bool) -> None:
        self.state = state
        overview = state.overview
        self._filling = True
        organisations = self.query_one("#wallet-org", Select)
        organisations.set_options([(choice.name, choice.id) for choice in state.organisations])
        kinds = self.query_one("#wallet-filter-type", Select)
        current = kinds.value
        kinds.set_options([(_("All types"), ALL)] + [(label, value) for value, label in state.types])
        kinds.value = current if any(value == current for value, _label in state.types) else ALL
        by = self.query_one("#wallet-filter-by", Select)
        current = by.value
        by.set_options([(_("By anyone"), ALL)] + [(label, value) for value, label in state.by])
        by.value = current if any(value == current for value, _label in state.by) else ALL
        balance = self.query_one("#wallet-balance", Label)
        if overview is None:
            self._filling = False
            balance.update(_("No organisation gives you access to its wallet: a manager sets the wallet "
                             "right of each employee."))
            return
        organisations.value = overview.organisation_id
        self._filling = False
        changed = overview.organisation_id != self.organisation_id
        self.organisation_id = overview.organisation_id
        balance.update(money(overview.balance_cents))
        notice = self.query_one("#wallet-negative", Label)
        notice.display = overview.balance_cents < 0
        notice.update(Text(negative_notice(overview)))  # Text: never read as markup
        # The core refuses what the right does not allow; the screen does not offer it.
        self.query_one("#wallet-topup-button", Button).display = includes(overview.right, RIGHT_TOP_UP)
        self.query_one("#wallet-transfer-button", Button).display = includes(overview.right, RIGHT_MANAGE)
        if changed or not reload_page:
            self.pager.restart()
        self._load_page(self.pager.current)
        self.refresh_bindings()

    def _form(self) -> tuple[str, str, str, str | None, str | None, str | None]:
        status = self.query_one("#wallet-filter-status", Select).value
        kind = self.query_one("#wallet-filter-type", Select).value
        by = self.query_one("#wallet-filter-by", Select).value
        return (
            self.query_one("#wallet-filter-number", Input).value,
            self.query_one("#wallet-filter-from", Input).value,
            self.query_one("#wallet-filter-to", Input).value,
            status if isinstance(status, str) and status != ALL else None,
            kind if isinstance(kind, str) and kind != ALL else None,
            by if isinstance(by, str) and by != ALL else None,
        )

    def _load_page(self, after: str | None) -> None:
        if self.organisation_id is None:
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "wallet-page", load_page, platform, actor_of(self.app), self.organisation_id,
                     self._form(), after, on_done=self._show_page, on_error=self._page_failed)

    def _page_failed(self, error: Any) -> None:
        self._say(str(error), error=True)
        field = getattr(error, "field", None)
        target = {"number": "#wallet-filter-number", "date_from": "#wallet-filter-from",
                  "date_to": "#wallet-filter-to"}.get(field or "")
        if target:
            self.query_one(target, Input).focus()

    def _show_page(self, result: tuple[TransactionFilter, Page]) -> None:
        self.filters, page = result
        self.page = page
        self.pager.shown(page.next_cursor)
        self.rows = {str(row.id): row for row in page.items}
        self.query_one("#wallet-transactions", RecordTable).set_records(
            (str(row.id), self._cells(row, page)) for row in page.items)
        if not page.items:
            text = _("No transaction matches the filters.") if not self.filters.is_empty else _("No transaction yet.")
        else:
            text = " — ".join([*self.pager.describe(), _("V: voucher of the selected line")])
        if not self.filters.is_empty:
            text = _("Filtered. ") + text
        self.query_one("#wallet-page", Label).update(text)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys that act here: a page that exists, a right the person has, a line
        that allows it (a voucher needs a line, a refund an online top-up's line)."""
        paging = self.pager.allows(action)
        if paging is not None:
            return paging
        overview = self.state.overview if self.state is not None else None
        right = overview.right if overview is not None else RIGHT_NONE
        if action == "top_up":
            return includes(right, RIGHT_TOP_UP)
        if action == "transfer":
            return includes(right, RIGHT_MANAGE)
        if action == "voucher":
            return self._selected() is not None
        if action == "refund":
            row = self._selected()
            return includes(right, RIGHT_MANAGE) and row is not None and row.kind == "online_topup"
        if action in ("export", "invoices"):
            return overview is not None
        return True

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.refresh_bindings()  # the voucher and refund keys follow the selected line

    def _cells(self, row: WalletTransaction, page: Page) -> list[Text | str]:
        titles = self.state.tool_titles if self.state else {}
        tool = str(row.tool)
        what = titles.get(tool, tool) if row.kind == KIND_TOOL else kind_label(str(row.kind))
        # As this person may see it: a confidential detail of a tool shows as the tool's action.
        description = page.descriptions.get(int(row.id), str(row.description))
        if row.counterpart_wallet_id is not None and int(row.counterpart_wallet_id) in page.counterparts:
            other = page.counterparts[int(row.counterpart_wallet_id)]
            arrow = _("to {name}") if int(row.amount) < 0 else _("from {name}")
            description = f"{description} ({arrow.format(name=other)})"
        status = f"{STATUS_SYMBOLS.get(str(row.status), '')} {status_label(str(row.status))}"
        if row.failure_reason:
            status += f" — {reason_label(str(row.failure_reason))}"
        # What moved: a failed or pending line moved nothing (its reason says why).
        amount = Text(euros(int(row.amount) if row.status == "succeeded" else 0, sign=True), justify="right")
        return [
            str(row.number) if row.number is not None else "—",
            formatting.date_time(to_local(row.created_at)),
            what, description, page.by.get(int(row.id), ""), amount, status,
            Text(euros(row.balance_before), justify="right"), Text(euros(row.balance_after), justify="right"),
            "PDF",
        ]

    def _say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#wallet-message", Label)
        message.update(text)
        message.set_class(error, "error")

    # -- events -------------------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "wallet-org":
            event.stop()
            if not self._filling and isinstance(event.value, int) and event.value != self.organisation_id:
                self.organisation_id = event.value
                self.pager.restart()
                self._load_state()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id and event.input.id.startswith("wallet-filter-"):
            event.stop()
            self.action_apply_filters()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {
            "wallet-topup-button": self.action_top_up, "wallet-transfer-button": self.action_transfer,
            "wallet-export-button": self.action_export, "wallet-filter-button": self.action_apply_filters,
            "wallet-invoices-button": self.action_invoices,
            "wallet-clear-button": self.action_clear_filters,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            event.stop()
            action()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_voucher()

    # -- actions ------------------------------------------------------------------------------

    def action_apply_filters(self) -> None:
        self.pager.restart()
        self._say("")
        self._load_page(None)

    def action_clear_filters(self) -> None:
        for selector in ("#wallet-filter-number", "#wallet-filter-from", "#wallet-filter-to"):
            self.query_one(selector, Input).value = ""
        self.query_one("#wallet-filter-status", Select).value = ALL
        self.query_one("#wallet-filter-type", Select).value = ALL
        self.query_one("#wallet-filter-by", Select).value = ALL
        self.query_one("#wallet-transactions", RecordTable).focus()
        self.action_apply_filters()

    def action_focus_filters(self) -> None:
        self.query_one("#wallet-filter-number", Input).focus()

    def action_refresh(self) -> None:
        self._load_state(reload_page=True)

    def action_next_page(self) -> None:
        if self.pager.forward():
            self._load_page(self.pager.current)

    def action_previous_page(self) -> None:
        if self.pager.back():
            self._load_page(self.pager.current)

    def _selected(self) -> WalletTransaction | None:
        if not self.is_mounted:
            return None
        key = self.query_one("#wallet-transactions", RecordTable).selected_key()
        return self.rows.get(key) if key is not None else None

    def action_voucher(self) -> None:
        row = self._selected()
        if row is None:
            self._say(_("Choose a transaction in the list first."), error=True)
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "wallet-voucher", platform.wallet.voucher_file, actor_of(self.app), int(row.id),
                     on_done=lambda path: self._saved(path, _("Transaction voucher saved: {path}")))

    def action_export(self) -> None:
        if self.organisation_id is None:
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "wallet-export", platform.wallet.export_csv, actor_of(self.app), self.organisation_id,
                     self.filters, on_done=lambda path: self._saved(path, _("Transactions exported: {path}")))

    def _saved(self, path: Path, text: str) -> None:
        self._say(text.format(path=path))
        self.notify(text.format(path=path), title=_("File saved"))

    def action_top_up(self) -> None:
        if self.organisation_id is None or not self._may(RIGHT_TOP_UP):
            return
        if importlib.util.find_spec(TOPUP_MODULE) is None:
            self._say(_("Top-ups are not available yet in this installation."), error=True)
            return
        screen_class = importlib.import_module(TOPUP_MODULE).TopUpScreen
        self.app.push_screen(screen_class(self.organisation_id))

    def _may(self, right: str) -> bool:
        """Whether the wallet right shown allows ``right``; else says so (the core checks again)."""
        overview = self.state.overview if self.state is not None else None
        if overview is not None and includes(overview.right, right):
            return True
        self._say(_("Your wallet right does not allow this; ask a manager of the organisation."), error=True)
        return False

    def action_refund(self) -> None:
        if not self._may(RIGHT_MANAGE):
            return
        row = self._selected()
        if row is None or row.kind != "online_topup":
            self._say(_("Choose the line of an online top-up in the list first."), error=True)
            return
        from immo_connect.tui.screens.wallet.wallet_refund import WalletRefundScreen

        self.app.push_screen(WalletRefundScreen(int(row.id)))

    def action_transfer(self) -> None:
        if self.organisation_id is None or self.state is None or self.state.overview is None:
            return
        if not self._may(RIGHT_MANAGE):
            return
        from immo_connect.tui.screens.wallet.wallet_transfer import WalletTransferScreen

        self.app.push_screen(WalletTransferScreen(self.organisation_id))

    def action_invoices(self) -> None:
        if self.organisation_id is None:
            return
        from immo_connect.tui.screens.wallet.invoices import WalletInvoicesScreen

        self.app.push_screen(WalletInvoicesScreen(self.organisation_id))
