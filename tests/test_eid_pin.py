"""The PIN against the card's own try counter: OpenSC's PKCS#11 module drives the emulated 1.7 card.

SoftHSM2 has no try counter, so these tests use the other real module of the machine:
PyKCS11 -> OpenSC (driver "belpic") -> pcscd -> vpcd -> the emulated card, which counts
wrong PINs (63 Cx) and blocks at zero (69 83) as a real card does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.errors import ImmoConnectError
from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from tests.support.accounts import PASSWORD, registered_and_active
from tests.support.eid import PCSCD, EidStack, Pkis
from tests.support.factories import make_account

pytestmark = PCSCD


@pytest.fixture
def opensc_platform(make_platform: Callable[..., Platform], pkis: Pkis, eid_stack: EidStack) -> Platform:
    return make_platform(config_text=pkis.config(eid_stack.opensc))


@pytest.fixture
def card_process(eid_stack: EidStack) -> Iterator[EidStack]:
    yield eid_stack
    eid_stack.remove_card_process()


def attempt(platform: Platform, account: Account, pin: str) -> ImmoConnectError:
    with pytest.raises(ImmoConnectError) as caught:
        platform.eid.link_local(account, pin=pin)
    fresh = Account.get_by_id(account.id)
    assert fresh.eid_linked_at is None and fresh.national_number_hash is None
    return caught.value


def test_the_right_pin_links_through_opensc(opensc_platform: Platform, card_process: EidStack, pkis: Pkis) -> None:
    issued = pkis.rsa.issue_card()
    bridge = card_process.insert_card_process(issued)
    account = make_account()
    result = opensc_platform.eid.link_local(account, pin=issued.pin)
    assert result.applet == "1.7" and result.surname == issued.holder.surname
    state = bridge.state()
    assert state is not None and state["pin_tries_left"] == 3  # the card itself checked the PIN


def test_wrong_pins_then_blocked(opensc_platform: Platform, card_process: EidStack, pkis: Pkis) -> None:
    issued = pkis.rsa.issue_card()
    bridge = card_process.insert_card_process(issued)
    account = make_account()

    first = attempt(opensc_platform, account, "0000")
    assert first.code == "eid.wrong_pin" and "après trois codes erronés" in first.hint
    assert bridge.state()["pin_tries_left"] == 2  # type: ignore[index]
    second = attempt(opensc_platform, account, "0000")
    assert second.code == "eid.wrong_pin" and "un code PIN erroné de plus bloque la carte" in second.hint
    third = attempt(opensc_platform, account, "0000")
    assert third.code == "eid.pin_blocked" and bridge.state()["pin_tries_left"] == 0  # type: ignore[index]
    after = attempt(opensc_platform, account, issued.pin)  # even the right PIN: the card stays blocked
    assert after.code == "eid.pin_blocked"
    reasons = [e.detail for e in audit.AuditEvent.select().where(audit.AuditEvent.action == "eid.link")]
    assert sum("eid.wrong_pin" in r for r in reasons) == 2 and sum("eid.pin_blocked" in r for r in reasons) == 2
    assert not any(issued.pin in r or "0000" in r for r in reasons)


async def _settle(pilot: Pilot[object]) -> None:
    for _ in range(1000):
        await pilot.pause()
        if not any(worker.is_running for worker in pilot.app.workers):
            break
        await asyncio.sleep(0.01)
    await pilot.pause()


async def test_a_blocked_pin_is_said_in_words_in_the_tui(opensc_platform: Platform, card_process: EidStack,
                                                         pkis: Pkis) -> None:
    signed = registered_and_active(opensc_platform, username="paul.pin", email="paul.pin@example.be")
    card_process.insert_card_process(pkis.rsa.issue_card(), pin_tries=1)  # one try left on the card
    app = ImmoConnectApp(opensc_platform)
    async with app.run_test(size=(130, 60)) as pilot:
        await _settle(pilot)
        app.screen.query_one("#login-username", Input).value = "paul.pin"
        password = app.screen.query_one("#login-password", Input)
        password.value = PASSWORD
        password.focus()
        await pilot.press("enter")
        await _settle(pilot)
        await pilot.press("l")
        await _settle(pilot)
        await pilot.press("4", "3", "2", "1", "enter")
        await _settle(pilot)
        message = str(app.screen.query_one("#eid-message", Label).render())
        assert message.startswith("✗ Le code PIN de cette carte est bloqué.") and "PUK" in message
    assert Account.get_by_id(signed.account_id).eid_linked_at is None
