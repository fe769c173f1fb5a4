"""Transfer money from one wallet to another wallet the same manager manages.

One idempotency key per opened form: pressing « Transférer » twice (or retrying after a
lost connection) moves the money once. Too low a balance is reported in words; nothing moves.
"""

from __future__ import annotations

import uuid
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer

from immo_connect import formatting
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage, focus_field
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Input, Label, Select
from immo_connect.wallet.forms import parse_euros
from immo_connect.wallet.texts import reason_label


def managed_targets(platform: Any, actor: int, source: int) -> list[tuple[str, int]]:
    return [(c.name, c.id) for c in platform.wallet.organisations(actor, managed_only=True) if c.id != source]


def source_and_targets(platform: Any, actor: int, source: int) -> tuple[Any, list[tuple[str, int]]]:
    """The wallet the money leaves (its overview) and the wallets it may go to."""
    return platform.wallet.overview(actor, source), managed_targets(platform, actor, source)


def send(platform: Any, actor: int, source: int, target: object, amount: str, description: str, key: str) -> Any:
    if not isinstance(target, int):
        from immo_connect.errors import ValidationError

        raise ValidationError(_("Choose the organisation that receives the money."), field="target")
    cents = parse_euros(amount)
    return platform.wallet.transfer(actor, source, target, cents, description=description, idempotency_key=key)


FIELDS = {"target": "transfer-target", "amount": "transfer-amount", "amount_cents": "transfer-amount",
          "description": "transfer-description"}


class WalletTransferScreen(ServiceHandlers, WorkspaceScreen[bool]):
    AREA = "wallet"
    CSS_PATH = "../../styles/wallet.tcss"
    BINDINGS = [
        Binding("ctrl+s", "send", N_("Transfer"), id="transfer-send"),
        Binding("escape", "cancel", N_("Back to the wallet"), id="transfer-cancel"),
    ]

    def __init__(self, organisation_id: int) -> None:
        super().__init__()
        self.organisation_id = organisation_id
        self.key = f"tui:transfer:{uuid.uuid4()}"
        self.source_name = ""
        self.targets: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Transfer between wallets"))
        with Vertical(id="transfer-form", classes="form"):
            yield Label("", id="transfer-source", classes="title")
            yield Label(_("Transfer to the wallet of"))
            yield Select([], id="transfer-target", prompt=_("Organisation"))
            yield Label(_("Amount (EUR)"))
            yield Input(id="transfer-amount", placeholder="50,00")
            yield Label(_("Description"))
            yield Input(id="transfer-description", placeholder=_("What the money is for"))
            yield Button(_("Transfer"), id="transfer-submit", variant="primary")
            yield FormMessage(id="transfer-message")
        yield Footer()

    def on_mount(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "transfer-targets", source_and_targets, platform, actor_of(self.app),
                     self.organisation_id, on_done=self._show_targets)

    def _show_targets(self, loaded: tuple[Any, list[tuple[str, int]]]) -> None:
        source, targets = loaded
        self.source_name = str(source.organisation_name)
        self.targets = {value: name for name, value in targets}
        self.query_one("#transfer-source", Label).update(
            _("From the wallet of {organisation} (balance {amount})").format(
                organisation=self.source_name, amount=formatting.money(source.balance_cents)))
        select = self.query_one("#transfer-target", Select)
        select.set_options(targets)
        if len(targets) == 1:  # the only wallet it can go to: chosen, the amount comes next
            select.value = targets[0][1]
            self.query_one("#transfer-amount", Input).focus()
        elif targets:  # never a guess at where the money goes: the person chooses
            select.focus()
        else:
            self.query_one("#transfer-message", Label).update(
                _("You manage no other organisation: there is no wallet to transfer to."))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "transfer-submit":
            event.stop()
            self.action_send()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_send()

    def action_send(self) -> None:
        """Ask first, saying from where, to where and how much; then transfer."""
        target = self.query_one("#transfer-target", Select).value
        try:
            cents = parse_euros(self.query_one("#transfer-amount", Input).value)
        except ImmoConnectError:
            cents = None
        if cents is None or not isinstance(target, int):
            self._send()  # the service names what to correct
            return
        from immo_connect.tui.screens.confirm_dialog import ConfirmDialog

        def answer(yes: bool | None) -> None:
            if yes:
                self._send()

        self.app.push_screen(ConfirmDialog(
            _("Transfer {amount} from the wallet of {source} to the wallet of {target}? "
              "It cannot be undone.").format(amount=formatting.money(cents), source=self.source_name,
                                             target=self.targets.get(target, "?")),
            _("Yes, transfer")), answer)

    def _send(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(
            self, "transfer-send", send, platform, actor_of(self.app), self.organisation_id,
            self.query_one("#transfer-target", Select).value, self.query_one("#transfer-amount", Input).value,
            self.query_one("#transfer-description", Input).value, self.key,
            on_done=self._done, on_error=self._failed,
        )

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#transfer-message", FormMessage).error(error)
        focus_field(self, error, FIELDS)

    def _done(self, transaction: Any) -> None:
        if transaction.status != "succeeded":
            self.query_one("#transfer-message", FormMessage).error(
                _("Not transferred: {reason}").format(reason=reason_label(str(transaction.failure_reason))))
            self.key = f"tui:transfer:{uuid.uuid4()}"  # a new attempt is a new request
            return
        self.notify(_("✓ {amount} transferred.").format(amount=formatting.money(-int(transaction.amount))),
                    title=_("Transfer"))
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
