"""« Recharger solde »: top up an organisation's wallet online or by bank transfer.

Agreed constructor: the wallet screen pushes ``TopUpScreen(organisation_id)`` from its
"Recharger solde" button (``organisation_id``: the organisation whose wallet is topped up).
The screen needs ``app.platform`` and the signed-in ``app.session``; the services check
that the account may top up this wallet. Closing it (Esc) resumes the wallet screen, which
reloads its balance; ``credited`` tells whether a top-up was credited meanwhile.

Online: amount and way of paying → the checkout link as text and as a QR code → the status
is followed by polling in a worker, the next look-up scheduled by a timer once the previous
one completed → the outcome in words. Demo (test-mode) providers add the payer's
confirmation step. Bank transfer: the platform's IBAN and the wallet's own structured
communication, with the warning that only transfers carrying it are credited automatically.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, RadioSet, TabbedContent

from immo_connect.contracts.payments import PaymentMethod, TransferDetails
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _, ngettext
from immo_connect.payments._money import euros, parse_amount
from immo_connect.payments.models import OPEN_ROW_STATUSES, Payment
from immo_connect.payments.texts import outcome_text, status_text
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.forms import Page, clear_errors, show_error
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.qr import QrCode
from immo_connect.tui.widgets.safe import Button, Input, Label, RadioButton, Static, TabPane


class TopUpScreen(ServiceHandlers, WorkspaceScreen[None]):
    # Absolute, so that subclasses defined elsewhere (tests) find it too.
    AREA = "wallet"
    CSS_PATH = Path(__file__).resolve().parents[2] / "styles" / "payments.tcss"
    BINDINGS = [
        Binding("ctrl+o", "show_online", N_("Pay online"), id="topup-online"),
        Binding("ctrl+b", "show_bank", N_("Pay by bank transfer"), id="topup-bank"),
        Binding("ctrl+r", "check_status", N_("Check the payment status now"), id="topup-check"),
    ]

    #: Seconds between two look-ups of an open payment (after the previous one completed).
    POLL_SECONDS = 3.0

    def __init__(self, organisation_id: int) -> None:
        super().__init__()
        self.organisation_id = organisation_id
        self.method: PaymentMethod | None = None
        self.payment: Payment | None = None
        self.credited = False
        self._busy = False

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Top up the wallet"))
        with TabbedContent(id="topup-tabs", initial="topup-online-pane"):
            with TabPane(_("Online payment"), id="topup-online-pane"), Page(classes="topup-page"):
                yield Label(_("Top up the wallet at once with Bancontact or a card."), classes="topup-intro")
                with Vertical(id="topup-form", classes="topup-form"):
                    yield Label(_("Amount (EUR)"))
                    yield Input(id="topup-amount", placeholder="50,00")
                    yield Label("", id="topup-limits", classes="topup-note")
                    yield Label(_("Pay with"))
                    yield Vertical(id="topup-options", classes="topup-options")
                    yield Button(_("Pay"), id="topup-pay", variant="primary")
                yield Label("", id="topup-message", classes="topup-message")
                with Vertical(id="topup-checkout", classes="topup-checkout hidden"):
                    yield Label(_("Open this link to pay (or scan the QR code with your phone):"))
                    yield Static("", id="topup-link", classes="topup-link")
                    yield QrCode("", id="topup-qr")
                    yield Label("", id="topup-status", classes="topup-status")
                    with Horizontal(id="topup-simulate", classes="topup-buttons hidden"):
                        yield Button(_("Confirm the payment (demo)"), id="simulate-paid", variant="success")
                        yield Button(_("Refuse (demo)"), id="simulate-failed")
                        yield Button(_("Cancel (demo)"), id="simulate-canceled")
                    yield Label("", id="topup-outcome", classes="topup-outcome")
            with TabPane(_("Bank transfer"), id="topup-bank-pane"), Page(classes="topup-page"):
                yield Label(_("Transfer the amount of your choice to this account:"), classes="topup-intro")
                yield Static("", id="transfer-details", classes="transfer-details")
                yield Label("", id="transfer-warning", classes="transfer-warning")
        yield Footer()

    def on_mount(self) -> None:
        # The tab panes are mounted after the screen: load once they are there.
        self.call_after_refresh(self._load)

    def _load(self) -> None:
        payments = self.app.platform.payments  # type: ignore[attr-defined]
        call_service(self, "topup-method", payments.online_method, on_done=self._show_method,
                     on_error=self._no_online)
        call_service(self, "topup-transfer", payments.transfer_details, actor_of(self.app),
                     self.organisation_id, on_done=self._show_transfer, on_error=self._no_transfer)

    # -- actions ------------------------------------------------------------------------------

    def action_show_online(self) -> None:
        self.query_one("#topup-tabs", TabbedContent).active = "topup-online-pane"
        if self.payment is None and self.method is not None:
            self.query_one("#topup-amount", Input).focus()

    def action_show_bank(self) -> None:
        # The focus leaves the online form first: a focused field in the pane being hidden
        # would take the focus back to it (and its tab with it).
        self.query_one("#topup-tabs ContentTabs").focus()
        self.query_one("#topup-tabs", TabbedContent).active = "topup-bank-pane"

    def action_check_status(self) -> None:
        if self.payment is not None and self.payment.status in OPEN_ROW_STATUSES:
            self._poll()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "topup-pay":
            self._start()
        elif event.button.id and event.button.id.startswith("simulate-") and self.payment is not None:
            outcome = event.button.id.removeprefix("simulate-")
            call_service(self, "topup-simulate", self.app.platform.payments.simulate,  # type: ignore[attr-defined]
                         actor_of(self.app), int(self.payment.id), outcome,
                         on_done=self._show_payment, on_error=self._failed)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "topup-amount":
            self._start()

    # -- online payment -------------------------------------------------------------------------

    def _show_method(self, method: PaymentMethod) -> None:
        self.method = method
        # Built with its buttons, so the set handles focus and arrow keys itself.
        self.query_one("#topup-options").mount(RadioSet(
            *(RadioButton(o.title, value=i == 0, id=f"option-{o.code}") for i, o in enumerate(method.options)),
            id="topup-option",
        ))
        self.query_one("#topup-limits", Label).update(
            _("At least {minimum}, at most {maximum} per top-up.").format(
                minimum=euros(method.limits.minimum_cents), maximum=euros(method.limits.maximum_cents))
            + (" " + _("Demo mode: no real money moves.") if method.test_mode else "")
        )
        tabs = self.query_one("#topup-tabs", TabbedContent)
        if self.payment is None and tabs.active == "topup-online-pane":
            self.query_one("#topup-amount", Input).focus()  # the form is ready: type the amount

    def _no_online(self, error: ImmoConnectError) -> None:
        self.query_one("#topup-form").add_class("hidden")
        self.query_one("#topup-message", Label).update(f"✗ {error}")

    def _chosen_option(self) -> str:
        pressed = self.query_one("#topup-option", RadioSet).pressed_button
        if pressed is not None and pressed.id:
            return pressed.id.removeprefix("option-")
        return self.method.options[0].code if self.method and self.method.options else ""

    def _start(self) -> None:
        if self._busy or self.method is None:
            return
        self._busy = True
        self.query_one("#topup-pay", Button).disabled = True
        self.query_one("#topup-message", Label).update(_("Creating the payment…"))
        call_service(
            self, "topup-start", _start_topup, self.app.platform, actor_of(self.app),  # type: ignore[attr-defined]
            self.organisation_id, self.query_one("#topup-amount", Input).value, self._chosen_option(),
            self.method.name, f"topup:{uuid.uuid4().hex}",
            on_done=self._started, on_error=self._refused,
        )

    def _refused(self, error: ImmoConnectError) -> None:
        self._busy = False
        self.query_one("#topup-pay", Button).disabled = False
        self.query_one("#topup-message", Label).update(f"✗ {error}")
        show_error(self, error, self.query_one("#topup-amount", Input) if error.field == "amount" else None)

    def _started(self, payment: Payment) -> None:
        self.query_one("#topup-form").add_class("hidden")
        self.query_one("#topup-message", Label).update(
            _("Payment of {amount} created.").format(amount=euros(int(payment.amount_cents))))
        self.query_one("#topup-checkout").remove_class("hidden")
        if self.method is not None and self.method.test_mode:
            self.query_one("#topup-simulate").remove_class("hidden")
        clear_errors(self)
        self._show_payment(payment)
        # The next step is one key away: the demo's answers, else the tab bar (the link is text).
        if self.method is not None and self.method.test_mode:
            self.query_one("#simulate-paid", Button).focus()
        else:
            self.query_one("#topup-tabs ContentTabs").focus()

    def _show_payment(self, payment: Payment) -> None:
        self.payment = payment
        link = str(payment.checkout_url or "")
        self.query_one("#topup-link", Static).update(link or "—")
        self.query_one("#topup-qr", QrCode).show(link if payment.status in OPEN_ROW_STATUSES else "")
        self.query_one("#topup-status", Label).update(_("Status: {status}").format(status=status_text(str(payment.status))))
        if payment.status in OPEN_ROW_STATUSES:
            self.set_timer(self.POLL_SECONDS, self._poll)
            return
        self.query_one("#topup-simulate").add_class("hidden")
        outcome = outcome_text(str(payment.status), euros(int(payment.amount_cents)))
        self.query_one("#topup-outcome", Label).update(
            f"{'✓' if payment.status == 'paid' else '✗'} {outcome}")
        self.credited = payment.credited_at is not None

    def _poll(self) -> None:
        if self.payment is None or not self.is_attached:
            return
        call_service(self, "topup-poll", self.app.platform.payments.refresh,  # type: ignore[attr-defined]
                     int(self.payment.id), actor=actor_of(self.app),
                     on_done=self._show_payment, on_error=self._poll_failed)

    def _poll_failed(self, error: ImmoConnectError) -> None:
        # The provider may be briefly unreachable: say so and keep following.
        self.query_one("#topup-status", Label).update(
            _("Status: {status}").format(status=f"⚠ {error.message}"))
        self.set_timer(self.POLL_SECONDS * 2, self._poll)

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#topup-outcome", Label).update(f"✗ {error}")

    # -- bank transfer ----------------------------------------------------------------------------

    def _show_transfer(self, details: TransferDetails) -> None:
        rows = [
            (_("Beneficiary"), details.beneficiary),
            (_("IBAN"), details.iban),
            (_("BIC"), details.bic),
            (_("Structured communication"), details.communication),
        ]
        self.query_one("#transfer-details", Static).update(
            "\n".join(f"{label:<28} {value}" for label, value in rows))
        self.query_one("#transfer-warning", Label).update(
            "⚠ " + _("Only transfers that carry this structured communication are credited automatically.")
            + " " + ngettext("They reach the wallet after about {days} working day.",
                             "They reach the wallet after a few days (usually {days} working days).",
                             details.processing_days).format(days=details.processing_days)
        )

    def _no_transfer(self, error: ImmoConnectError) -> None:
        self.query_one("#transfer-details", Static).update(f"✗ {error}")


def _start_topup(platform: Any, actor: int, organisation_id: int, amount_text: str, option: str,
                 provider: str, request_key: str) -> Payment:
    """Parse the typed amount and start the top-up (runs in the worker)."""
    amount = parse_amount(amount_text)
    payment: Payment = platform.payments.start_topup(
        actor, organisation_id, amount, option=option, provider=provider, request_key=request_key)
    return payment
