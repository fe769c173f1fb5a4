"""Pilot tests: a user signs in and links an emulated 1.7 or 1.8 card, here or from another computer."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Label, TextArea

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from tests.support.accounts import PASSWORD, registered_and_active
from tests.support.eid import PCSCD, EidStack, Pkis
from tests.support.tui import settle

pytestmark = PCSCD



def text_of(app: ImmoConnectApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).render())


@pytest.fixture
def tui_platform(make_platform: Callable[..., Platform], pkis: Pkis, eid_reader: EidStack) -> Platform:
    return make_platform(config_text=pkis.config(eid_reader.module))


async def sign_in_to_the_eid_proposal(pilot: Pilot[object], username: str) -> None:
    """Sign in like a user; the eID proposal comes right after (manual 1.1.2 b)."""
    await settle(pilot)
    pilot.app.screen.query_one("#login-username", Input).value = username  # typing them is not under test
    password = pilot.app.screen.query_one("#login-password", Input)
    password.value = PASSWORD
    password.focus()
    await pilot.press("enter")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "EidPromptScreen"


@pytest.mark.parametrize("kind", ["ec", "rsa"])
async def test_link_a_card_here_through_the_tui(tui_platform: Platform, eid_reader: EidStack, pkis: Pkis, kind: str) -> None:
    username = f"anne.{kind}"
    signed = registered_and_active(tui_platform, username=username, email=f"{username}@example.be")
    issued = (pkis.ec if kind == "ec" else pkis.rsa).issue_card()
    eid_reader.insert(issued)
    app = ImmoConnectApp(tui_platform)
    async with app.run_test(size=(130, 60)) as pilot:
        await sign_in_to_the_eid_proposal(pilot, username)
        await pilot.press("l")  # "Lier l'eID"
        await settle(pilot)
        assert type(app.screen).__name__ == "EidLinkScreen"
        assert app.screen.focused is app.screen.query_one("#eid-pin")
        await pilot.press("9", "9", "9", "9", "enter")  # a wrong PIN first
        await settle(pilot)
        message = text_of(app, "#eid-message")
        assert message.startswith("✗") and "PIN" in message and "Rien n'a été modifié" in message
        assert Account.get_by_id(signed.account_id).eid_linked_at is None
        await pilot.press(*issued.pin, "enter")
        await settle(pilot)
        result = text_of(app, "#eid-result")
        assert result.startswith("✓") and f"{issued.holder.first_names} {issued.holder.surname}" in result
        assert ("applet 1.8" if kind == "ec" else "applet 1.7") in result and "non vérifiée" in result
        await pilot.press("enter")  # "Continuer"
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert "liée" in text_of(app, "#home-status")
    account = Account.get_by_id(signed.account_id)
    assert account.eid_linked_at is not None and account.last_name == issued.holder.surname
    assert tui_platform.eid.national_number(account) == issued.holder.national_number


def _sign_on_own_computer(eid_reader: EidStack, tmp_path: Path, command: str, pin: str, *extra: str) -> str:
    """What the user does in a terminal of their own computer, with the command shown on screen."""
    words = command.split()
    assert words[:2] == ["immo-connect-eid", "sign"]
    env = {**os.environ, **eid_reader.environ(), "IMMO_CONNECT_DATA_DIR": str(tmp_path / "own")}
    done = subprocess.run([sys.executable, "-m", "immo_connect_eid", "sign", "--pin-stdin",
                           "--pkcs11-module", eid_reader.module, *extra, *words[2:]],
                          input=pin + "\n", capture_output=True, text=True, env=env, timeout=60, check=True)
    return done.stdout.strip()


@pytest.fixture
def served_platform(make_platform: Callable[..., Platform], pkis: Pkis, eid_reader: EidStack) -> Iterator[Platform]:
    """The platform of the SSH screens, with ``immo-connect web`` on loopback (same database)."""
    from immo_connect.web.serve import listen
    from tests.support.web import serving

    listener = listen("127.0.0.1", 0)
    issuer = f"http://127.0.0.1:{listener.getsockname()[1]}"
    platform = make_platform(config_text=pkis.config(eid_reader.module) + f'\n[web]\nissuer = "{issuer}"\n')
    with serving(platform, listener):
        yield platform


async def _open_the_remote_screen(pilot: Pilot[object], username: str) -> str:
    app = pilot.app
    await sign_in_to_the_eid_proposal(pilot, username)
    await pilot.press("l")
    await settle(pilot)
    assert "serveur" in text_of(app, "#eid-remote-note")  # over SSH the local way is flagged
    assert app.screen.focused is app.screen.query_one("#eid-remote")
    await pilot.press("enter")  # "Depuis un autre ordinateur"
    # The screen keeps a worker waiting for the answer: wait for what it shows, not for idle workers.
    await settle(pilot, until=lambda: type(app.screen).__name__ == "EidTokenScreen"
                 and app.screen.query_one("#eid-command", TextArea).text)
    assert type(app.screen).__name__ == "EidTokenScreen"
    command = app.screen.query_one("#eid-command", TextArea).text
    code = command.split()[-1]
    assert command.startswith("immo-connect-eid sign --platform http://127.0.0.1:")
    assert text_of(app, "#eid-code") == f"Code : {code}" and len(code) == 11
    assert "heure belge" in text_of(app, "#eid-expiry")
    web_link = command.split()[-2] + "/eid/web/" + code  # the third way: Web eID in a browser
    assert web_link in text_of(app, "#eid-web") and "Web eID" in text_of(app, "#eid-web")
    assert str(app.screen.query_one("#eid-web-qr").render()).count("\n") > 10  # its QR code
    return command


async def _until(pilot: Pilot[object], condition: Callable[[], object], timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition() and loop.time() < deadline:
        await pilot.pause(0.05)


async def _until_screen(pilot: Pilot[object], name: str, timeout: float = 30.0) -> None:
    await _until(pilot, lambda: type(pilot.app.screen).__name__ == name, timeout)
    assert type(pilot.app.screen).__name__ == name


def _paste(app: ImmoConnectApp, text: str) -> None:
    """A paste as the terminal delivers it: to the app, which hands it to the focused widget once."""
    app.post_message(events.Paste(text))


@pytest.mark.parametrize("kind", ["ec", "rsa"])
async def test_the_remote_screen_completes_by_itself_when_the_signer_posts(
    served_platform: Platform, eid_reader: EidStack, pkis: Pkis, kind: str, tmp_path: Path,
) -> None:
    from immo_connect.tui.remote import RemoteApp

    username = f"marc.{kind}"
    signed = registered_and_active(served_platform, username=username, email=f"{username}@example.be",
                                   first_name="Marc", last_name="Dubois")
    issued = (pkis.ec if kind == "ec" else pkis.rsa).issue_card()
    eid_reader.insert(issued)  # on the user's own computer, not on the server
    app = RemoteApp(served_platform)
    async with app.run_test(size=(80, 24)) as pilot:
        command = await _open_the_remote_screen(pilot, username)
        assert app.screen.query_one("#eid-command", TextArea).region.height >= 3  # the whole command shows
        printed = await asyncio.to_thread(_sign_on_own_computer, eid_reader, tmp_path, command, issued.pin)
        assert printed == ""  # nothing to carry back by hand
        await _until_screen(pilot, "EidLinkScreen")
        # The screen below writes the result once it is back on top.
        await settle(pilot, until=lambda: text_of(app, "#eid-result"))
        result = text_of(app, "#eid-result")
        assert result.startswith("✓") and issued.holder.surname in result
    account = Account.get_by_id(signed.account_id)
    assert account.eid_linked_at is not None and account.first_name == issued.holder.first_names
    linked = audit.AuditEvent.get(audit.AuditEvent.action == "eid.linked")
    assert '"method": "remote"' in linked.detail and issued.holder.national_number not in linked.detail


async def test_a_refused_posted_answer_is_shown_while_waiting(
    served_platform: Platform, eid_reader: EidStack, pkis: Pkis, tmp_path: Path,
) -> None:
    from immo_connect.tui.remote import RemoteApp

    registered_and_active(served_platform, username="marc.other", email="marc.other@example.be")
    issued = pkis.ec.issue_card()
    eid_reader.insert(issued)
    holder = registered_and_active(served_platform, username="card.holder", email="card.holder@example.be")
    served_platform.eid.link_token(holder.account_id, await asyncio.to_thread(
        _sign_on_own_computer, eid_reader, tmp_path, "immo-connect-eid sign " +
        served_platform.eid.issue_challenge(holder.account_id).text, issued.pin))
    app = RemoteApp(served_platform)
    async with app.run_test(size=(130, 60)) as pilot:
        command = await _open_the_remote_screen(pilot, "marc.other")
        with pytest.raises(subprocess.CalledProcessError):  # the card of another account
            await asyncio.to_thread(_sign_on_own_computer, eid_reader, tmp_path, command, issued.pin)
        await _until(pilot, lambda: text_of(app, "#eid-wait").startswith("✗"))
        assert text_of(app, "#eid-wait").startswith("✗") and "autre compte" in text_of(app, "#eid-wait")
        assert type(app.screen).__name__ == "EidTokenScreen"


async def test_a_pasted_answer_with_line_breaks_links(
    served_platform: Platform, eid_reader: EidStack, pkis: Pkis, tmp_path: Path,
) -> None:
    from immo_connect.tui.remote import RemoteApp

    signed = registered_and_active(served_platform, username="sophie.paste", email="sophie.paste@example.be")
    issued = pkis.rsa.issue_card()
    eid_reader.insert(issued)
    app = RemoteApp(served_platform)
    async with app.run_test(size=(130, 60)) as pilot:
        command = await _open_the_remote_screen(pilot, "sophie.paste")
        token = await asyncio.to_thread(_sign_on_own_computer, eid_reader, tmp_path, command, issued.pin, "--print")
        assert token.startswith("ICT1.")
        wrapped = "\n".join(token[i:i + 80] for i in range(0, len(token), 80))  # as a terminal copies it
        area = app.screen.query_one("#eid-token", TextArea)
        area.focus()
        await pilot.pause()

        # A damaged paste is refused in words, and nothing changes.
        _paste(app, wrapped[:-40])
        await _until(pilot, lambda: area.text)
        assert area.text == wrapped[:-40]  # pasted once, as sent
        await pilot.press("ctrl+l")
        await _until(pilot, lambda: text_of(app, "#eid-token-message").startswith("✗"))
        message = text_of(app, "#eid-token-message")
        assert message.startswith("✗") and "incomplète ou endommagée" in message
        assert Account.get_by_id(signed.account_id).eid_linked_at is None

        area.text = ""
        _paste(app, "  " + wrapped + "\n")
        await _until(pilot, lambda: area.text)
        assert "".join(area.text.split()) == token
        await pilot.press("ctrl+l")
        await _until_screen(pilot, "EidLinkScreen")
        await settle(pilot, until=lambda: text_of(app, "#eid-result"))
        assert text_of(app, "#eid-result").startswith("✓")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
    assert Account.get_by_id(signed.account_id).eid_linked_at is not None


async def test_skip_from_the_linking_screen(tui_platform: Platform, eid_reader: EidStack) -> None:
    signed = registered_and_active(tui_platform, username="sophie.skip", email="sophie.skip@example.be")
    app = ImmoConnectApp(tui_platform)
    async with app.run_test(size=(130, 60)) as pilot:
        await sign_in_to_the_eid_proposal(pilot, "sophie.skip")
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("ctrl+g")  # "Ignorer pour cette fois"
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
    assert Account.get_by_id(signed.account_id).eid_linked_at is None
    assert audit.AuditEvent.select().where(audit.AuditEvent.action == "eid.link_skipped").count() == 1


async def test_no_card_is_said_in_words(tui_platform: Platform, eid_reader: EidStack) -> None:
    registered_and_active(tui_platform, username="nora.nocard", email="nora.nocard@example.be")
    app = ImmoConnectApp(tui_platform)
    async with app.run_test(size=(130, 60)) as pilot:
        await sign_in_to_the_eid_proposal(pilot, "nora.nocard")
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("1", "2", "3", "4", "ctrl+r")
        await settle(pilot)
        assert text_of(app, "#eid-message").startswith("✗ Il n'y a pas de carte eID dans le lecteur.")


async def test_the_keypad_option_by_keyboard(tui_platform: Platform, eid_reader: EidStack, pkis: Pkis) -> None:
    registered_and_active(tui_platform, username="kim.keypad", email="kim.keypad@example.be")
    eid_reader.insert(pkis.ec.issue_card())
    app = ImmoConnectApp(tui_platform)
    async with app.run_test(size=(130, 60)) as pilot:
        await sign_in_to_the_eid_proposal(pilot, "kim.keypad")
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("tab", "space")  # from the PIN field to the keypad option, ticked
        assert app.screen.query_one("#eid-pin", Input).disabled
        assert "✓" in str(app.screen.query_one("#eid-pinpad").render())
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert text_of(app, "#eid-message").startswith("✗ Ce lecteur de carte n'a pas de clavier pour le code PIN.")
