"""The home screen after signing in: a dashboard of what the person works with.

The organisations (role, status, wallet balance, join requests waiting), the tools the
person may start, and the eID state, with the few actions that matter from here. The areas
themselves are one digit away in the navigation bar (``tui/shell.py``). At 80×24 the panels
are stacked; from 100 columns they stand side by side.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.widgets import Footer

from immo_connect import formatting
from immo_connect.i18n import N_, _, ngettext
from immo_connect.organisations.data import STATUS_LABELS
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import actor_of, token_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import ERROR_MARK, OK_MARK
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, DataTable, Label, Option, OptionList
from immo_connect.tui.workspace import Dashboard, dashboard

MANAGER_MARK = "★"
REQUESTS_MARK = "●"
START_MARK = "▶"
# The columns beside the organisation's name, at most: role, balance, requests (and gaps).
OTHER_COLUMNS_WIDTH = 50


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


class HomeScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "home"
    CSS_PATH = "../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"
    BINDINGS = [
        Binding("p", "open('profile')", N_("My profile"), id="home-profile", show=False),
        Binding("c", "open('account')", N_("My account"), id="home-account", show=False),
        Binding("ctrl+l", "link_eid", N_("Link the eID"), id="home-link-eid"),
        Binding("l", "link_eid", N_("Link the eID"), id="home-link-eid-letter", show=False),
        Binding("o", "open('connect-tool')", N_("Connect a tool"), id="home-connect-tool"),
        Binding("e", "employees", N_("Employees"), id="home-employees"),
        Binding("w", "wallet", N_("Wallet"), id="home-wallet"),
        Binding("r", "refresh", N_("Refresh"), id="home-refresh", show=False),
        Binding("d", "sign_out", N_("Sign out"), id="home-sign-out"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.board: Dashboard | None = None

    def compose(self) -> ComposeResult:
        session = getattr(self.app, "session", None)
        name = getattr(session, "display_name", "")
        yield AppHeader(_("Home"))
        with Page(classes="page", id="home-page"):
            yield Label(_("Hello {name}, welcome to Immo-Connect.").format(name=name), id="home-greeting")
            with Horizontal(id="home-eid"):
                yield Label(self._status_text(session), id="home-status")
            with Horizontal(id="home-actions"):
                yield Button(_("Link the eID"), id="home-link-eid", compact=True,
                             classes="" if self._eid_missing(session) else "hidden")
                yield Button(_("Connect a tool"), id="home-connect-tool", compact=True)
                yield Button(_("Sign out"), id="home-sign-out", compact=True)
            with Container(id="home-panels"):
                with Vertical(id="home-organisations-panel", classes="panel"):
                    yield Label(_("My organisations"), classes="panel-title")
                    table: DataTable[Text | str] = DataTable(id="home-organisations", cursor_type="row",
                                                             zebra_stripes=True)
                    yield table
                    yield Label("", id="home-organisations-empty", classes="hint")
                with Vertical(id="home-tools-panel", classes="panel"):
                    yield Label(_("Tools you can start"), classes="panel-title")
                    yield OptionList(id="home-tools")
                    yield Label("", id="home-tools-empty", classes="hint")
        yield Footer()

    @staticmethod
    def _eid_missing(session: Any) -> bool:
        return not getattr(session, "eid_linked", False)

    def _status_text(self, session: Any) -> str:
        if self._eid_missing(session):
            return f"{ERROR_MARK} " + _("Your eID is not linked yet: most tools need it, and your recognitions "
                                        "are added only once it is linked.")
        return f"{OK_MARK} " + _("Your eID is linked to your account.")

    def on_mount(self) -> None:
        self.query_one("#home-organisations", DataTable).add_columns(
            _("Organisation"), _("Role"), _("Balance"), _("Requests"))
        self.query_one("#home-organisations", DataTable).focus()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        if getattr(self.app, "session", None) is None:
            return
        call_service(self, "home-dashboard", dashboard, self.app.platform,  # type: ignore[attr-defined]
                     actor_of(self.app), token_of(self.app), on_done=self._show)

    def _show(self, board: Dashboard) -> None:
        self.board = board
        self.app.session = board.session  # type: ignore[attr-defined]
        self.query_one("#home-status", Label).update(self._status_text(board.session))
        self.query_one("#home-link-eid").set_class(not self._eid_missing(board.session), "hidden")
        self._show_organisations(board)
        self._show_tools(board)
        self.refresh_bindings()

    def _show_organisations(self, board: Dashboard) -> None:
        table = self.query_one("#home-organisations", DataTable)
        cursor = table.cursor_row
        table.clear()
        room = max(table.size.width - OTHER_COLUMNS_WIDTH, 16)
        for summary in board.organisations:
            role = f"{MANAGER_MARK} " + _("Manager") if summary.is_manager else _("Employee")
            if not summary.usable:
                role = ("⏳ " if summary.status == "pending" else "") + _(STATUS_LABELS[summary.status])
            balance = board.balances.get(summary.id)
            shown = formatting.money(balance) if balance is not None else "—"
            requests = (f"{REQUESTS_MARK} " + ngettext("{count} waiting", "{count} waiting",
                                                       summary.pending_requests).format(count=summary.pending_requests)
                        if summary.pending_requests else "")
            table.add_row(_cut(summary.name, room), role, Text(shown, justify="right"),
                          Text(requests, style="bold") if requests else "", key=str(summary.id))
        if board.organisations:
            table.move_cursor(row=min(cursor, len(board.organisations) - 1))
        empty = self.query_one("#home-organisations-empty", Label)
        empty.update("" if board.organisations else
                     _("You belong to no organisation yet: open Organisations (2) and add yours."))
        empty.display = not board.organisations

    def _show_tools(self, board: Dashboard) -> None:
        tools = self.query_one("#home-tools", OptionList)
        tools.set_options([Option(f"{START_MARK} {_(tool.title)} — {_(tool.short_description)}", id=tool.name)
                           for tool in board.tools])
        empty = self.query_one("#home-tools-empty", Label)
        empty.update("" if board.tools else _("No tool yet: a manager registers tools on the Tools page (3)."))
        empty.display = not board.tools
        tools.display = bool(board.tools)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "link_eid":
            return self._eid_missing(getattr(self.app, "session", None))
        if action == "wallet":  # offered for an organisation whose wallet the person may see
            selected = self._selected_organisation()  # quietly: this runs on every redraw of the keys
            return bool(self.board is not None and selected is not None and selected.usable
                        and self.board.balances.get(selected.id) is not None)
        return True

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()  # the wallet key follows the organisation under the cursor

    # -- choices -------------------------------------------------------------------------------

    def _selected_organisation(self) -> Any | None:
        if self.board is None or not self.board.organisations:
            return None
        table = self.query_one("#home-organisations", DataTable)
        row = table.cursor_row
        return self.board.organisations[row] if 0 <= row < len(self.board.organisations) else None

    def _usable_organisation(self) -> Any | None:
        selected = self._selected_organisation()
        if selected is None:
            self.notify(_("Choose an organisation first."), severity="warning")
            return None
        if not selected.usable:
            self.notify(_("{name} is awaiting confirmation: a manager must confirm you first.").format(
                name=selected.name) if selected.status == "pending" else
                _("Your access to {name} is blocked.").format(name=selected.name), severity="warning")
            return None
        return selected

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        selected = self._usable_organisation()
        if selected is None:
            return
        from immo_connect.tui.screens.organisations._org_navigation import open_organisation_screen

        if selected.pending_requests:
            open_organisation_screen(self, "employees", selected.id, status="pending")
        else:
            open_organisation_screen(self, "details", selected.id)

    def action_employees(self) -> None:
        selected = self._usable_organisation()
        if selected is None:
            return
        if not selected.is_manager:
            self.notify(_("Only managers see the employees."), severity="warning")
            return
        from immo_connect.tui.screens.organisations._org_navigation import open_organisation_screen

        open_organisation_screen(self, "employees", selected.id,
                                 status="pending" if selected.pending_requests else None)

    def action_wallet(self) -> None:
        selected = self._usable_organisation()
        if selected is not None:
            from immo_connect.tui.screens.organisations._org_navigation import open_organisation_screen

            open_organisation_screen(self, "wallet", selected.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        from immo_connect.tui.screens.tools.quality import QualityScreen

        quality = getattr(self.app, "workspace_quality", None)
        self.app.push_screen(QualityScreen(event.option.id,
                                           organisation_id=quality.organisation_id if quality else None))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = (event.button.id or "").removeprefix("home-")
        event.stop()
        if button == "sign-out":
            self.action_sign_out()
        elif button == "link-eid":
            self.action_link_eid()
        else:
            self.action_open(button)

    def action_open(self, entry_id: str) -> None:
        from immo_connect.tui.screens.accounts.user_menu import open_entry

        open_entry(self.app, entry_id)

    def action_link_eid(self) -> None:
        from immo_connect.tui.session_flow import open_link_eid

        open_link_eid(self.app)

    def action_sign_out(self) -> None:
        sign_out(self.app)


def sign_out(app: Any) -> None:
    """End the session in the database, then go back to the sign-in screen."""
    from immo_connect.tui.session_flow import go_to_login

    session = getattr(app, "session", None)
    if session is not None:
        # The app runs it: the current screen is about to be replaced.
        call_service(app, "sign-out", app.platform.accounts.sign_out, session.token)
    go_to_login(app)
    app.notify(_("You are signed out."))
