""""Mot de passe oublié ?": the reset code travels through a real SMTP server; answers do not
tell known addresses from unknown ones; a reset ends sessions and lifts a wait."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from immo_connect import audit
from immo_connect.accounts import login, recovery
from immo_connect.accounts.models import Account
from immo_connect.accounts.sessions import SessionEnded
from immo_connect.clock import FrozenClock
from immo_connect.errors import ImmoConnectError, ValidationError
from immo_connect.mail.models import OutboxMessage
from immo_connect.platform import Platform
from tests.support.accounts import PASSWORD, last_code, mails_to, wrong_code
from tests.support.factories import make_account
from tests.support.smtp import SmtpServer

Make = Callable[..., Platform]
NEW = "orage sur la mer du nord"


def test_reset_code_from_the_smtp_server_sets_a_new_password(make_platform: Make, smtp_server: SmtpServer) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD)
    old_session = platform.accounts.sign_in("anne.peeters", PASSWORD).token
    assert platform.accounts.request_password_reset("Anne@Example.be") is None
    platform.outbox.deliver_all_due()
    code = smtp_server.last_code("anne@example.be")
    platform.accounts.reset_password("anne@example.be", code, NEW, NEW)
    platform.outbox.deliver_all_due()
    notice = smtp_server.last_message("anne@example.be")
    assert "mot de passe" in notice.message["Subject"].lower() and code not in notice.text
    with pytest.raises(SessionEnded):
        platform.accounts.current(old_session)
    assert platform.accounts.sign_in("anne.peeters", NEW).username == "anne.peeters"
    with pytest.raises(ImmoConnectError):
        platform.accounts.sign_in("anne.peeters", PASSWORD)
    with pytest.raises(ImmoConnectError) as reused:
        platform.accounts.reset_password("anne@example.be", code, "encore un autre 1", "encore un autre 1")
    assert reused.value.code == "code_expired"


def test_known_and_unknown_addresses_answer_alike(platform: Platform) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD)
    assert platform.accounts.request_password_reset("anne@example.be") is None
    assert platform.accounts.request_password_reset("personne@example.be") is None
    assert [m.template for m in OutboxMessage.select()] == ["password_reset_code"]
    bad = wrong_code(last_code("anne@example.be"))
    known, unknown = [], []
    for _ in range(6):
        for address, answers in (("anne@example.be", known), ("personne@example.be", unknown)):
            with pytest.raises(ImmoConnectError) as caught:
                platform.accounts.reset_password(address, bad, NEW, NEW)
            answers.append((caught.value.code, caught.value.message))
    assert known == unknown
    assert [code for code, _ in known] == ["code_wrong"] * 4 + ["code_attempts"] * 2
    with pytest.raises(ImmoConnectError) as never:
        platform.accounts.reset_password("jamais@example.be", "AAAAAA", NEW, NEW)
    assert never.value.code == "code_expired"  # like a known address without any code


def test_reset_lifts_a_wait_activates_a_pending_account_and_is_audited(platform: Platform, clock: FrozenClock) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD, status="pending")
    for _ in range(login.LOCK_THRESHOLD):
        with pytest.raises(ImmoConnectError):
            platform.accounts.sign_in("anne.peeters", "mauvais mot 1")
    platform.accounts.request_password_reset("anne@example.be")
    platform.accounts.reset_password("anne@example.be", last_code("anne@example.be"), NEW, NEW)
    account = Account.get(Account.username == "anne.peeters")
    assert (account.status, account.failed_sign_ins, account.locked_until) == ("active", 0, None)
    actions = [e.action for e in audit.query(audit.AuditFilter(action="account."))]
    assert {"account.unlocked", "account.activated", "account.password_reset"} <= set(actions)
    assert platform.accounts.sign_in("anne.peeters", NEW).required_actions == ("link_eid",)


@pytest.mark.parametrize(("email", "code", "password", "confirmation", "field"), [
    ("", "AAAAAA", NEW, NEW, "email"),
    ("pas-une-adresse", "AAAAAA", NEW, NEW, "email"),
    ("anne@example.be", "", NEW, NEW, "code"),
    ("anne@example.be", "AB", NEW, NEW, "code"),
    ("anne@example.be", "AAAAAA", "court", "court", "password"),
    ("anne@example.be", "AAAAAA", NEW, NEW + "x", "password_confirmation"),
    ("anne@example.be", "AAAAAA", "anne peeters 2026", "anne peeters 2026", "password"),
])
def test_bad_reset_input_is_named_and_changes_nothing(
    platform: Platform, email: str, code: str, password: str, confirmation: str, field: str
) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD)
    before = Account.get(Account.username == "anne.peeters").password_hash
    platform.accounts.request_password_reset("anne@example.be")
    with pytest.raises(ValidationError) as caught:
        platform.accounts.reset_password(email, code, password, confirmation)
    assert caught.value.field == field
    assert Account.get(Account.username == "anne.peeters").password_hash == before


def test_requests_are_limited_per_address_silently_and_per_source(platform: Platform, clock: FrozenClock) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD)
    for _ in range(recovery.ADDRESS_LIMIT + 2):
        platform.accounts.request_password_reset("anne@example.be")
        clock.advance(seconds=31)
    assert len(mails_to("anne@example.be")) == recovery.ADDRESS_LIMIT
    for n in range(recovery.SOURCE_LIMIT - recovery.ADDRESS_LIMIT - 2):
        platform.accounts.request_password_reset(f"x{n}@example.be")
    with pytest.raises(ImmoConnectError) as caught:
        platform.accounts.request_password_reset("anne@example.be")
    assert caught.value.code == "rate_limited"


def test_expired_reset_code(platform: Platform, clock: FrozenClock) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD)
    platform.accounts.request_password_reset("anne@example.be")
    code = last_code("anne@example.be")
    clock.advance(hours=24, seconds=1)
    with pytest.raises(ImmoConnectError) as caught:
        platform.accounts.reset_password("anne@example.be", code, NEW, NEW)
    assert caught.value.code == "code_expired"
    with pytest.raises(ImmoConnectError):
        platform.accounts.reset_password("anne@example.be", wrong_code(code), NEW, NEW)
    assert platform.accounts.sign_in("anne.peeters", PASSWORD).username == "anne.peeters"
