"""« Reconnaissances » (manual 2.1.3): my recognitions on top, every recognition the platform
knows below, and "Lier l'eID" while no eID card is linked.

:class:`RecognitionsPane` is the content (a profile screen can show it as a tab);
:class:`RecognitionsScreen` shows it on its own page (user menu).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer

from immo_connect import formatting
from immo_connect.i18n import N_, _, ngettext
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.tools._tool_launch import MET, MISSING
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Label
from immo_connect.tui.widgets.table import Column, RecordTable


def _load(platform: Any, actor: int, refresh: bool) -> tuple[bool, list[Any], list[Any], Any]:
    """(eID linked, my recognitions, all known, refresh report or None)."""
    from immo_connect.accounts.models import Account

    report = platform.recognitions.refresh_mine(actor) if refresh else None
    mine = platform.recognitions.mine(actor)
    linked = Account.get_by_id(actor).eid_linked_at is not None
    return linked, mine, platform.recognitions.known(), report


def _date(value: Any) -> str:
    return formatting.date(value) if value else "—"


class RecognitionsPane(ServiceHandlers, Vertical):
    """The recognitions of the signed-in person and the recognitions known to the platform."""

    def compose(self) -> ComposeResult:
        yield Label(_("My recognitions"), classes="section")
        yield Label("", id="recognitions-eid", classes="hint")
        with Horizontal(classes="buttons"):
            yield Button(_("Link the eID"), id="recognitions-link", variant="primary", classes="hidden")
            yield Button(_("Refresh my recognitions"), id="recognitions-refresh", classes="hidden")
        yield RecordTable(Column(_("Recognition"), flex=True), Column(_("Issued by"), priority=2, max_width=20),
                          Column(_("Number"), keep=True), Column(_("Valid from"), priority=3),
                          Column(_("Valid until"), keep=True), Column(_("State"), keep=True),
                          id="recognitions-mine", zebra_stripes=False)
        yield Label(_("Recognitions known to Immo-Connect"), classes="section")
        yield RecordTable(Column(_("Recognition"), flex=True), Column(_("Issued by"), keep=True, max_width=30),
                          id="recognitions-known", zebra_stripes=False)

    def on_mount(self) -> None:
        self.load()

    def load(self, *, refresh: bool = False) -> None:
        call_service(self, "recognitions", _load, self.app.platform, actor_of(self.app), refresh,  # type: ignore[attr-defined]
                     on_done=self._show)

    eid_linked: bool | None = None  # None until the first answer arrives

    def _show(self, result: tuple[bool, list[Any], list[Any], Any]) -> None:
        linked, mine, known, report = result
        self.eid_linked = linked
        self.screen.refresh_bindings()  # "Link the eID" is offered only without a linked eID
        self.query_one("#recognitions-link").set_class(linked, "hidden")
        self.query_one("#recognitions-refresh").set_class(not linked, "hidden")
        self.query_one("#recognitions-eid", Label).update(
            _("Your recognitions come from the professional registers, found with your linked eID card.") if linked
            else f"{MISSING} " + _("Your eID is not linked: your recognitions are added once it is linked."))
        rows: list[tuple[str, list[str]]] = []
        for index, held in enumerate(mine):
            if held.valid:
                state = f"{MET} " + _("Valid")
            elif held.status == "withdrawn":
                state = f"{MISSING} " + _("No longer in the register")
            else:
                state = f"{MISSING} " + _("Expired or not yet valid")
            rows.append((str(index), [_(held.name), _(held.issuer), held.number, _date(held.valid_from),
                                      _date(held.valid_until), state]))
        if not mine:
            rows.append(("none", [_("No recognition yet."), "", "", "", "", ""]))
        self.query_one("#recognitions-mine", RecordTable).set_records(rows)
        ordered = sorted(known, key=lambda k: (_(k.issuer), _(k.name)))
        self.query_one("#recognitions-known", RecordTable).set_records(
            (str(index), [_(kind.name), _(kind.issuer)]) for index, kind in enumerate(ordered))
        if report is not None:
            message = ngettext("Recognitions refreshed: {count} found.", "Recognitions refreshed: {count} found.",
                               report.found).format(count=report.found)
            if report.failed_sources:
                message += " " + _("Some registers could not be read; what was known from them is kept.")
            self.notify(message)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "recognitions-link":
            event.stop()
            self.link_eid()
        elif event.button.id == "recognitions-refresh":
            event.stop()
            self.load(refresh=True)

    def link_eid(self) -> None:
        from immo_connect.tui.session_flow import open_link_eid

        open_link_eid(self.app)


class RecognitionsScreen(WorkspaceScreen[None]):
    AREA = "profile"
    CSS_PATH = "../../styles/tools.tcss"
    BINDINGS = [
        Binding("ctrl+l", "link_eid", N_("Link the eID"), id="recognitions-link-eid"),
        Binding("l", "link_eid", N_("Link the eID"), id="recognitions-link-eid-letter", show=False),
        Binding("r", "refresh", N_("Refresh my recognitions"), id="recognitions-refresh-key"),
    ]

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Recognitions"))
        yield RecognitionsPane(id="recognitions-pane", classes="tools-page")
        yield Footer()

    def on_screen_resume(self) -> None:
        pane = self.query_one(RecognitionsPane)
        if pane.is_mounted:
            pane.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        linked = self.query_one(RecognitionsPane).eid_linked if self.is_mounted else None
        if action == "link_eid":
            return linked is False  # offered only to people without a linked eID
        return True

    def action_link_eid(self) -> None:
        self.query_one(RecognitionsPane).link_eid()

    def action_refresh(self) -> None:
        self.query_one(RecognitionsPane).load(refresh=True)
