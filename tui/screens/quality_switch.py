"""« Changer de qualité » from anywhere (F5): the organisation and usage mode to work under.

Each organisation with its wallet's balance (when the person may see it), and under it the
usage modes the person may use a tool in there. The current one is marked ▸ and highlighted.
Dismissed with the chosen :class:`~immo_connect.tui.workspace.QualityEntry`, or None.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen

from immo_connect import formatting
from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.widgets.header import QUALITY_MARK
from immo_connect.tui.widgets.safe import Label, Option, OptionList
from immo_connect.tui.workspace import QualityEntry, quality_entries

CURRENT_MARK = "▸"


def entry_text(entry: QualityEntry, *, current: bool) -> str:
    mark = CURRENT_MARK if current else " "
    if entry.mode_title:
        return f"{mark}     {entry.mode_title}"
    balance = (_("wallet {amount}").format(amount=formatting.money(entry.balance_cents)) if entry.balance_cents is not None
               else _("wallet not visible"))
    return f"{mark} {QUALITY_MARK} {entry.organisation_name} — {balance}"


class QualitySwitchScreen(ServiceHandlers, ModalScreen[Any]):
    CSS_PATH = "../styles/app.tcss"
    BINDINGS = [Binding("escape", "close", N_("Close"), id="quality-switch-close")]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[QualityEntry] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="quality-switch", classes="dialog-box"):
            yield Label(_("Change quality"), classes="title")
            yield Label(_("The organisation you work for, and the usage mode: its wallet pays for the tools."),
                        classes="intro")
            yield OptionList(id="quality-switch-list")
            yield Label("", id="quality-switch-empty")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        call_service(self, "quality-switch", quality_entries, self.app.platform, actor_of(self.app),  # type: ignore[attr-defined]
                     on_done=self._show)

    def _is_current(self, entry: QualityEntry) -> bool:
        quality = getattr(self.app, "workspace_quality", None)
        if quality is None or quality.organisation_id != entry.chosen.organisation_id:
            return False
        return quality.mode_title == entry.mode_title

    def _show(self, entries: list[QualityEntry]) -> None:
        self.entries = entries
        option_list = self.query_one(OptionList)
        option_list.set_options([Option(entry_text(entry, current=self._is_current(entry)), id=str(index))
                                 for index, entry in enumerate(entries)])
        current = next((i for i, entry in enumerate(entries) if self._is_current(entry)), 0)
        if entries:
            option_list.highlighted = current
        self.query_one("#quality-switch-empty", Label).update(
            "" if entries else _("You are not an active member of any organisation yet."))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.entries[int(event.option.id or 0)])

    def action_close(self) -> None:
        self.dismiss(None)
