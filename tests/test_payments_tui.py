"""Pilot tests of « Recharger solde » with the sandbox provider, on a real SQLite platform."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static, TabbedContent

from immo_connect.formats import ogm
from immo_connect.mail.models import OutboxMessage
from immo_connect.payments.models import Payment
from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.wallet.topup import TopUpScreen
from immo_connect.tui.widgets.footer import shown_keys
from immo_connect.tui.widgets.qr import QrCode, qr_text
from immo_connect.wallet.models import Wallet, WalletTransaction
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.topups import SANDBOX_ON
from tests.support.tui import settle, sign_in


def text(app: ImmoConnectApp, selector: str) -> str:
    widget = app.screen.query_one(selector)
    assert isinstance(widget, Label | Static)
    return str(widget.render())


@pytest.fixture
def platform(make_platform: Callable[..., Platform]) -> Platform:
    """A platform with the sandbox payment method switched on, as in the demo."""
    return make_platform(config_text=SANDBOX_ON)


class FastTopUp(TopUpScreen):
    POLL_SECONDS = 0.05


async def open_topup(pilot: Pilot[object], app: ImmoConnectApp, account: object, organisation_id: int) -> None:
    sign_in(app, account)
    await app.push_screen(FastTopUp(organisation_id))
    await settle(pilot, lambda: text(app, "#transfer-details") != "")


async def test_online_topup_with_the_sandbox_confirmation_step(platform: Platform) -> None:
    manager = make_account("mgr", first_name="Marie")
    employee = make_account("emp", first_name="Eric")
    organisation = make_organisation(manager, name="Agence Dupont")
    add_member(organisation, employee, wallet_right="top_up")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 60)) as pilot:
        await open_topup(pilot, app, employee, organisation.id)
        assert "50,00 €" in text(app, "#topup-limits") and "5\u202f000,00 €" in text(app, "#topup-limits")
        assert "démo" in text(app, "#topup-limits")  # the sandbox says it moves no real money

        # Below the minimum: a clear message next to the form, nothing created.
        app.screen.query_one("#topup-amount", Input).focus()
        await pilot.press(*"20", "enter")
        await settle(pilot)
        assert "50,00 €" in text(app, "#topup-message")
        assert Payment.select().count() == 0

        # 75,50 € by Visa: chosen with the keyboard.
        amount = app.screen.query_one("#topup-amount", Input)
        amount.value = ""
        amount.focus()
        await pilot.press(*"75,50")
        app.screen.query_one("#topup-option").focus()
        await pilot.press("right", "right", "right", "enter")  # Bancontact → … → Visa
        await pilot.click("#topup-pay")
        await settle(pilot, lambda: Payment.select().count() == 1 and text(app, "#topup-link") != "")
        payment = Payment.get()
        assert (payment.amount_cents, payment.option, payment.provider) == (7550, "visa", "sandbox")
        link = text(app, "#topup-link")
        assert link == payment.checkout_url and link.startswith("https://")
        assert str(app.screen.query_one("#topup-qr", QrCode).render()) == qr_text(link)
        assert "⏳" in text(app, "#topup-status")

        # The polling timer keeps following; nothing is credited before the payer confirms.
        await asyncio.sleep(0.2)
        await settle(pilot)
        assert WalletTransaction.select().count() == 0

        await pilot.click("#simulate-paid")
        await settle(pilot, lambda: "✓" in text(app, "#topup-outcome"))
        outcome = text(app, "#topup-outcome")
        assert "75,50 €" in outcome and "✓" in outcome
        assert "✓" in text(app, "#topup-status")
        assert str(app.screen.query_one("#topup-qr", QrCode).render()) == ""
        assert app.screen.credited  # type: ignore[attr-defined]

        # Polling stopped; the wallet was credited once and the manager (only) mailed.
        await asyncio.sleep(0.2)
        await settle(pilot)
    assert WalletTransaction.select().count() == 1
    assert Wallet.get(Wallet.organisation == organisation.id).balance == 7550
    mails = list(OutboxMessage.select().where(OutboxMessage.template == "topup_credited"))
    assert [m.recipient for m in mails] == [manager.email]


async def test_refused_demo_payment_and_bank_transfer_tab(platform: Platform) -> None:
    manager = make_account("boss")
    organisation = make_organisation(manager, name="Agence Martin")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 60)) as pilot:
        await open_topup(pilot, app, manager, organisation.id)

        await pilot.press("ctrl+b")
        await settle(pilot)
        assert app.screen.query_one("#topup-tabs", TabbedContent).active == "topup-bank-pane"
        details = text(app, "#transfer-details")
        communication = platform.wallet.structured_communication(organisation.id)
        assert "BE71 0961 2345 6769" in details and "GKCCBEBB" in details
        assert communication in details and ogm.is_valid(communication)
        warning = text(app, "#transfer-warning")
        assert "⚠" in warning and communication not in warning and "3" in warning

        await pilot.press("ctrl+o")
        app.screen.query_one("#topup-amount", Input).focus()
        await pilot.press(*"120", "enter")
        await settle(pilot, lambda: text(app, "#topup-link") != "")
        await pilot.click("#simulate-failed")
        await settle(pilot, lambda: "✗" in text(app, "#topup-outcome"))
        assert "✗" in text(app, "#topup-status")
        assert not app.screen.credited  # type: ignore[attr-defined]
    refused = WalletTransaction.get()  # listed in the history, nothing moved
    assert (refused.status, refused.failure_reason, refused.balance_after) == ("failed", "payment_failed", 0)
    assert Payment.get().status == "failed"


async def test_outsider_is_refused_and_sees_why(platform: Platform) -> None:
    manager = make_account("owner")
    outsider = make_account("stranger")
    organisation = make_organisation(manager)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 60)) as pilot:
        await open_topup(pilot, app, outsider, organisation.id)
        assert "✗" in text(app, "#transfer-details")
        app.screen.query_one("#topup-amount", Input).focus()
        await pilot.press(*"60", "enter")
        await settle(pilot, lambda: "✗" in text(app, "#topup-message"))
        assert "member" in text(app, "#topup-message") or "membre" in text(app, "#topup-message")
    assert Payment.select().count() == 0


async def test_a_manager_refunds_a_top_up_from_the_wallet_page(platform: Platform) -> None:
    from textual.widgets import DataTable

    from immo_connect.payments.models import PaymentReversal
    from immo_connect.tui.screens.wallet.wallet import WalletScreen
    from immo_connect.tui.screens.wallet.wallet_refund import WalletRefundScreen

    manager = make_account("mgr", first_name="Marie")
    employee = make_account("emp", first_name="Eric")
    organisation = make_organisation(manager, name="Agence Dupont")
    add_member(organisation, employee, wallet_right="top_up")  # may see and top up, not refund
    payment = platform.payments.start_topup(manager, organisation.id, 80_00)
    platform.payments.simulate(manager, payment.id, "paid")
    platform.wallet.charge(employee, organisation.id, 30_00, tool="btv", description="Use", idempotency_key="t:1")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(180, 50)) as pilot:
        sign_in(app, employee)  # an employee may not refund
        await app.push_screen(WalletScreen(organisation.id))
        await settle(pilot)
        table = app.screen.query_one("#wallet-transactions", DataTable)
        table.move_cursor(row=1)  # the top-up, below the charge
        # The screen does not offer it (and the core would refuse it).
        assert "refund" not in {action for _key, _text, action, *_rest in shown_keys(app.screen)}
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, WalletScreen)

        sign_in(app, manager)
        app.screen.action_refresh()
        await settle(pilot)
        app.screen.query_one("#wallet-transactions", DataTable).move_cursor(row=1)
        await pilot.press("b")
        await settle(pilot, lambda: isinstance(app.screen, WalletRefundScreen) and text(app, "#refund-top-up") != "…")
        assert text(app, "#refund-top-up").startswith("Recharge n° 1 du ")
        assert "80,00 €" in text(app, "#refund-top-up") and str(payment.provider_payment_id) in text(app, "#refund-top-up")
        assert "Au plus 50,00 €" in text(app, "#refund-limit")
        assert app.screen.query_one("#refund-amount", Input).value == "50,00"
        app.screen.query_one("#refund-amount", Input).value = "20"
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, WalletScreen))
    refund = PaymentReversal.get()
    assert (refund.amount_cents, refund.status, refund.requested_by_id) == (20_00, "refunded", manager.id)
    assert Wallet.get().balance == 30_00
