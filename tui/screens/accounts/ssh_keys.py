"""« Mes clés SSH » (under « Mon compte »): the public keys that sign the user in over SSH."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer

from immo_connect import formatting
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.ssh.keys import SshKeyInfo
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, DataTable, Input, Label
from immo_connect.tui.widgets.table import Column, RecordTable


def _when(value: Any) -> str:
    return formatting.date_time(value) if value is not None else _("never")


class SshKeysScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "profile"
    CSS_PATH = "../../styles/ssh.tcss"
    BINDINGS = [
        Binding("a", "add", N_("Add a key"), id="ssh-key-add"),
        Binding("delete", "remove", N_("Remove the key"), id="ssh-key-remove", key_display="Suppr"),
        Binding("r", "refresh", N_("Refresh"), id="ssh-key-refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[SshKeyInfo] = []

    def compose(self) -> ComposeResult:
        yield AppHeader(_("My SSH keys"))
        yield Label(_("A registered key signs you in directly when you connect over SSH; "
                      "without one, you sign in with your password."), id="ssh-keys-intro")
        yield RecordTable(Column(_("Name"), flex=True), Column(_("Type"), priority=2),
                          Column(_("Fingerprint"), keep=True), Column(_("Added"), priority=3),
                          Column(_("Last used"), priority=1, max_width=30), id="ssh-keys")
        yield Label("", id="ssh-keys-empty")
        with Vertical(id="ssh-key-form", classes="form"):
            yield Label(_("Public key (the line of your .pub file)"))
            yield Input(id="ssh-key-text", placeholder="ssh-ed25519 AAAA… nom@ordinateur")
            yield Label(_("Name (optional)"))
            yield Input(id="ssh-key-name", max_length=100)
            yield Button(_("Add the key"), id="ssh-key-submit", variant="primary")
            yield FormMessage(id="ssh-key-message")
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh()

    def _actor(self) -> int:
        session = getattr(self.app, "session", None)
        return int(session.account_id) if session is not None else 0

    def action_refresh(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "ssh-keys", platform.ssh_keys.list_keys, self._actor(), on_done=self._show)

    def _show(self, keys: list[SshKeyInfo]) -> None:
        self.keys = keys
        rows = []
        for key in keys:
            last = _when(key.last_used_at)
            if key.last_used_from:
                last += " (" + key.last_used_from.removeprefix("ssh:") + ")"
            rows.append((str(key.id), [key.name, key.algorithm, key.fingerprint, _when(key.created_at), last]))
        self.query_one("#ssh-keys", RecordTable).set_records(rows)
        empty = self.query_one("#ssh-keys-empty", Label)
        empty.update("" if keys else _("No key yet: add one below (press A)."))

    def action_add(self) -> None:
        self.query_one("#ssh-key-text", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "ssh-key-text":
            self.query_one("#ssh-key-name", Input).focus()
        else:
            self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ssh-key-submit":
            event.stop()
            self._submit()

    def _submit(self) -> None:
        text = self.query_one("#ssh-key-text", Input).value
        name = self.query_one("#ssh-key-name", Input).value
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "ssh-key-add", platform.ssh_keys.add_key, self._actor(), text, name,
                     on_done=self._added, on_error=self._failed)

    def _added(self, key: SshKeyInfo) -> None:
        self.query_one("#ssh-key-text", Input).value = ""
        self.query_one("#ssh-key-name", Input).value = ""
        self.query_one("#ssh-key-message", FormMessage).ok(
            _("Key \"{name}\" added ({fingerprint}).").format(name=key.name, fingerprint=key.fingerprint))
        self.query_one("#ssh-keys", DataTable).focus()
        self.action_refresh()

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#ssh-key-message", FormMessage).error(error)

    def action_remove(self) -> None:
        table = self.query_one("#ssh-keys", DataTable)
        if not self.keys or table.cursor_row < 0:
            return
        key = self.keys[min(table.cursor_row, len(self.keys) - 1)]
        from immo_connect.tui.screens.confirm_dialog import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                platform = self.app.platform  # type: ignore[attr-defined]
                call_service(self, "ssh-key-remove", platform.ssh_keys.remove_key, self._actor(), key.id,
                             on_done=lambda _result: self.action_refresh())

        question = _("Remove the key \"{name}\" ({fingerprint})? It will no longer sign you in.").format(
            name=key.name, fingerprint=key.fingerprint)
        self.app.push_screen(ConfirmDialog(question, _("Yes, remove the key")), answered)
