"""Helpers for the accounts tests: valid registrations and the codes mailed through the outbox."""

from __future__ import annotations

import re
from typing import Any

from immo_connect.accounts.registration import Registration
from immo_connect.accounts.required import SignedIn
from immo_connect.mail.models import OutboxMessage
from immo_connect.platform import Platform

PASSWORD = "tulipe verte 1987"
CODE = re.compile(r"(?<![A-Za-z0-9])[A-Z0-9]{6}(?![A-Za-z0-9])")


def registration(**changes: Any) -> Registration:
    values: dict[str, Any] = {
        "first_name": "Anne", "last_name": "Peeters", "username": "anne.peeters",
        "email": "anne.peeters@example.be", "password": PASSWORD, "password_confirmation": PASSWORD,
        "accept_terms": True, "language": "fr",
    }
    values.update(changes)
    return Registration(**values)


def mails_to(address: str, template: str | None = None) -> list[OutboxMessage]:
    query = OutboxMessage.select().where(OutboxMessage.recipient == address.lower()).order_by(OutboxMessage.id)
    if template is not None:
        query = query.where(OutboxMessage.template == template)
    return list(query)


def last_code(address: str, template: str | None = None) -> str:
    """The code in the newest queued mail to ``address`` (read from the outbox row)."""
    found = mails_to(address, template)
    assert found, f"no mail queued for {address}"
    match = CODE.search(found[-1].plain_text())
    assert match is not None, found[-1].plain_text()
    return match.group(0)


def wrong_code(right: str) -> str:
    """A well-formed code that is not ``right``."""
    return "AAAAAA" if right != "AAAAAA" else "BBBBBB"


def registered_and_active(platform: Platform, **changes: Any) -> SignedIn:
    """Register and activate an account through the services; the full session."""
    form = registration(**changes)
    pending = platform.accounts.register(form)
    return platform.accounts.activate(pending.token, last_code(form.email, "activation_code"))


def session_for(platform: Platform, account: Any) -> SignedIn:
    """A real signed-in session for ``account``, as the sign-in screen leaves it in ``app.session``."""
    from immo_connect.accounts import sessions
    from immo_connect.accounts.required import signed_in
    from immo_connect.storage import transaction

    with transaction():
        token = sessions.open_session(
            account, restricted=False, limits=platform.accounts.limits,
            now=platform.clock.now(), source="test",
        )
    return signed_in(account, token)
