"""Pilot tests: « Mes clés SSH », and the app in remote mode (nothing on the server's machine)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncssh
from textual.binding import Binding
from textual.widgets import DataTable, Input, Label

from immo_connect.platform import Platform
from immo_connect.ssh.models import SshKey
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.remote import RemoteApp
from immo_connect.tui.screens.accounts.ssh_keys import SshKeysScreen
from tests.support.accounts import session_for
from tests.support.factories import make_account
from tests.support.tui import settle


def message(app: ImmoConnectApp) -> str:
    return str(app.screen.query_one("#ssh-key-message", Label).render())


async def test_add_a_key_refuse_a_bad_one_and_remove_it(platform: Platform) -> None:
    alice = make_account("alice", first_name="Alice", last_name="Dumont")
    line = asyncssh.generate_private_key("ssh-ed25519", comment="alice@portable").export_public_key().decode().strip()
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(130, 40)) as pilot:
        app.session = session_for(platform, alice)
        await app.push_screen(SshKeysScreen())
        await settle(pilot)
        assert "Aucune clé" in str(app.screen.query_one("#ssh-keys-empty", Label).render())
        # A private key pasted by mistake: refused with the reason, nothing stored.
        await pilot.press("a")
        app.screen.query_one("#ssh-key-text", Input).value = "-----BEGIN OPENSSH PRIVATE KEY----- abc"
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert message(app).startswith("✗ ") and "clé privée" in message(app)
        assert SshKey.select().count() == 0
        # The public key, with a name typed on the keyboard.
        app.screen.query_one("#ssh-key-text", Input).value = line
        app.screen.query_one("#ssh-key-text", Input).focus()
        await pilot.press("enter", *"bureau", "enter")
        await settle(pilot)
        assert message(app).startswith("✓ ")
        table = app.screen.query_one("#ssh-keys", DataTable)
        assert table.row_count == 1
        assert [str(cell) for cell in table.get_row_at(0)[:2]] == ["bureau", "ssh-ed25519"]
        # Remove it: a confirmation whose default is no, then yes.
        table.focus()
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("enter")  # "No, cancel" has the focus
        await settle(pilot)
        assert SshKey.select().count() == 1
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert SshKey.select().count() == 0
        assert app.screen.query_one("#ssh-keys", DataTable).row_count == 0


async def test_remote_mode_keeps_everything_off_the_server(platform: Platform, tmp_path: Path) -> None:
    alice = make_account("alice")
    reports: list[tuple[str, dict[str, object]]] = []
    app = RemoteApp(platform, report=lambda event, **fields: reports.append((event, fields)))
    async with app.run_test(size=(100, 30)) as pilot:
        # None of Textual's own commands (a screenshot would be written on the server); quitting
        # stays reachable through the app's own bindings, which the palette lists.
        assert list(app.get_system_commands(app.screen)) == []
        assert any(binding.action == "quit" and binding.key == "ctrl+q" for binding in app.BINDINGS
                   if isinstance(binding, Binding))
        app.open_url("https://www.immo-connect.be/aide")
        await pilot.pause()
        assert any("https://www.immo-connect.be/aide" in str(n.message) for n in app._notifications)
        # Files go to the user's export folder, never to the server's downloads.
        app.session = session_for(platform, alice)
        source = tmp_path / "export.csv"
        source.write_text("a;b\n")
        app.deliver_binary(source)
        delivered = platform.settings.data_dir / "exports" / "alice" / "export.csv"
        for _ in range(100):  # Textual writes the file in a thread
            if delivered.exists() and delivered.read_text():
                break
            await asyncio.sleep(0.05)
        assert delivered.read_text() == "a;b\n"
        app.session = None
    assert reports == [("signed_in", {"account_id": alice.id}), ("signed_out", {})]


async def test_my_ssh_keys_is_reached_from_my_account(platform: Platform) -> None:
    from immo_connect.tui.screens.accounts.account import AccountScreen
    from tests.test_ssh_server import PASSWORD, make_user

    make_user(platform)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(130, 45)) as pilot:
        app.session = platform.accounts.sign_in("alice", PASSWORD)
        await app.push_screen(AccountScreen())
        await settle(pilot)
        await pilot.click("#account-ssh-keys")
        await settle(pilot)
        assert isinstance(app.screen, SshKeysScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, SshKeysScreen)
