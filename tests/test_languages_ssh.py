"""Each person's language over SSH, end to end: a real server, real asyncssh clients.

The language stored on the account is the one of every screen once the person is known, at
the next sign-in too, whatever the installation's default (French here); two colleagues
connected at the same time each read their own."""

from __future__ import annotations

from collections.abc import Callable

import asyncssh
import pytest

from immo_connect.platform import Platform
from tests.support.ssh import ServerProcess, children_of, connect, open_terminal, wait_until_gone
from tests.test_ssh_server import PASSWORD, type_username

pytestmark = pytest.mark.slow


def person(platform: Platform, username: str, first_name: str, language: str) -> object:
    from immo_connect.clock import utcnow
    from tests.support.factories import make_account

    account = make_account(username, first_name=first_name, last_name="Peeters", language=language,
                           eid_linked_at=utcnow())
    account.password_hash = platform.accounts.hasher.hash(PASSWORD)
    account.save()
    return account


async def test_a_dutch_speaker_is_in_dutch_over_ssh_and_her_french_colleague_in_french(
    platform: Platform, serve: Callable[..., ServerProcess],
) -> None:
    els = person(platform, "els.peeters", "Els", "nl")
    marc = person(platform, "marc.peeters", "Marc", "fr")
    keys = {}
    for account in (els, marc):
        keys[account] = asyncssh.generate_private_key("ssh-ed25519")
        platform.ssh_keys.add_key(account, keys[account].export_public_key().decode())
    server = serve()

    # Her registered key signs her in: her home screen is Dutch, with nothing of the French default.
    dutch_conn = await connect(server.port, key=keys[els])
    _process, dutch = await open_terminal(dutch_conn, (120, 32))
    await dutch.wait_for("Dag Els Peeters, welkom bij Immo-Connect.")
    # At the same time, a French colleague on the same server reads French.
    french_conn = await connect(server.port, key=keys[marc])
    _process, french = await open_terminal(french_conn, (120, 32))
    await french.wait_for("Bonjour Marc Peeters, bienvenue sur Immo-Connect.")
    assert "Bonjour" not in dutch.text() and "Dag " not in french.text()

    # Next time, by password on the sign-in screen (the installation's French for a stranger):
    # once she is known the screens are Dutch again, without choosing.
    password_conn = await connect(server.port)
    process, screen = await open_terminal(password_conn, (120, 32))
    await screen.wait_for("Se connecter à Immo-Connect")
    await type_username(process, screen, "els.peeters")
    mark = screen.mark()
    process.stdin.write(PASSWORD.encode() + b"\r")
    await screen.wait_for("Dag Els Peeters, welkom bij Immo-Connect.", since=mark)
    for conn in (dutch_conn, french_conn, password_conn):
        conn.close()
    assert await wait_until_gone(children_of(server.pid)) == set()
