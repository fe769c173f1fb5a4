"""Refund (part of) an unused online top-up to the payer, for a manager.

Opened from the wallet's history on the line of an online top-up. The screen shows the
top-up and what can still be refunded of it (never more than the balance: money already
used is not refunded), and the amount to confirm. The rules are checked in the core
(``platform.payments.refund_offer`` and ``request_refund``); one request key per opened
form, so confirming twice refunds once.
"""

from __future__ import annotations

import uuid
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer

from immo_connect import formatting
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.payments._reversals import RefundOffer
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Input, Label
from immo_connect.wallet._views import to_local
from immo_connect.wallet.forms import parse_euros
from immo_connect.wallet.texts import euros


def ask(platform: Any, actor: int, payment_id: int, amount: str, key: str) -> Any:
    return platform.payments.request_refund(actor, payment_id, parse_euros(amount), request_key=key)


def describe(offer: RefundOffer) -> str:
    return _("Top-up no. {number} of {date}: {amount} ({option}, {reference}).").format(
        number=offer.top_up_number, date=formatting.date_time(to_local(offer.top_up_at)),
        amount=formatting.money(offer.amount_cents), option=offer.option, reference=offer.provider_payment_id)


class WalletRefundScreen(ServiceHandlers, WorkspaceScreen[bool]):
    AREA = "wallet"
    CSS_PATH = "../../styles/wallet.tcss"
    BINDINGS = [
        Binding("ctrl+s", "confirm", N_("Refund"), id="refund-confirm"),
        Binding("escape", "cancel", N_("Back to the wallet"), id="refund-cancel"),
    ]

    def __init__(self, transaction_id: int) -> None:
        super().__init__()
        self.transaction_id = transaction_id
        self.offer: RefundOffer | None = None
        self.key = f"tui:refund:{uuid.uuid4()}"

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Refund a top-up"))
        with Vertical(id="refund-form", classes="form"):
            yield Label("…", id="refund-top-up")
            yield Label("", id="refund-limit")
            yield Label(_("Amount to refund (EUR)"))
            yield Input(id="refund-amount")
            yield Label(_("The amount leaves the wallet now and goes back to the card or account that paid the "
                          "top-up, through the payment provider."))
            yield Button(_("Refund"), id="refund-submit", variant="primary")
            yield Button(_("Cancel"), id="refund-cancel-button")
            yield FormMessage(id="refund-message")
        yield Footer()

    def on_mount(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "refund-offer", platform.payments.refund_offer, actor_of(self.app), self.transaction_id,
                     on_done=self._show_offer, on_error=self._failed)

    def _show_offer(self, offer: RefundOffer) -> None:
        self.offer = offer
        self.query_one("#refund-top-up", Label).update(Text(describe(offer)))
        self.query_one("#refund-limit", Label).update(Text(
            _("At most {maximum} can be refunded: what is left of the top-up ({left}), "
              "within the balance ({balance}).").format(
                maximum=formatting.money(offer.maximum_cents), left=formatting.money(offer.left_cents),
                balance=formatting.money(offer.balance_cents))))
        amount = self.query_one("#refund-amount", Input)
        amount.value = euros(offer.maximum_cents) if offer.maximum_cents else ""
        amount.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "refund-submit":
            self.action_confirm()
        elif event.button.id == "refund-cancel-button":
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    def action_confirm(self) -> None:
        if self.offer is None:
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "refund-send", ask, platform, actor_of(self.app), self.offer.payment_id,
                     self.query_one("#refund-amount", Input).value, self.key,
                     on_done=self._done, on_error=self._failed)

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#refund-message", FormMessage).error(error)
        self.key = f"tui:refund:{uuid.uuid4()}"  # a new attempt is a new request

    def _done(self, refund: Any) -> None:
        self.notify(_("✓ Refund of {amount} asked; the payer receives it through the payment provider.").format(
            amount=formatting.money(int(refund.amount_cents))), title=_("Refund"))
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
