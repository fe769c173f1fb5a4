"""Sessions: random tokens stored as digests, idle and absolute limits, ended by password
change, block and deletion; ``platform.accounts.current(token)`` validates and touches."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import pytest

from immo_connect.accounts.models import Session
from immo_connect.accounts.sessions import SessionEnded
from immo_connect.clock import FrozenClock
from immo_connect.platform import Platform
from tests.support.accounts import PASSWORD
from tests.support.factories import make_account

Make = Callable[..., Platform]


def test_token_is_stored_only_as_its_digest(any_platform: Platform) -> None:
    make_account("anne.peeters", password=PASSWORD)
    signed = any_platform.accounts.sign_in("anne.peeters", PASSWORD)
    row = Session.get()
    assert row.token_hash == hashlib.sha256(signed.token.encode()).hexdigest()
    assert signed.token not in row.token_hash
    assert len(signed.token) * 6 >= 128


def test_idle_limit_and_touching(any_platform: Platform, clock: FrozenClock) -> None:
    make_account("anne.peeters", password=PASSWORD)
    token = any_platform.accounts.sign_in("anne.peeters", PASSWORD).token
    for _ in range(4):  # used every 25 minutes: stays alive
        clock.advance(minutes=25)
        assert any_platform.accounts.current(token).username == "anne.peeters"
    clock.advance(minutes=30, seconds=1)
    with pytest.raises(SessionEnded) as caught:
        any_platform.accounts.current(token)
    assert caught.value.code == "session_expired"
    assert Session.get().end_reason == "expired"


def test_absolute_limit_even_when_active(platform: Platform, clock: FrozenClock) -> None:
    make_account("anne.peeters", password=PASSWORD)
    token = platform.accounts.sign_in("anne.peeters", PASSWORD).token
    for _ in range(12 * 3 - 1):
        clock.advance(minutes=20)
        platform.accounts.current(token)
    clock.advance(minutes=20, seconds=1)
    with pytest.raises(SessionEnded):
        platform.accounts.current(token)


def test_limits_come_from_the_security_settings(make_platform: Make, clock: FrozenClock) -> None:
    platform = make_platform(config_text="[security]\nsession_idle_minutes = 5\nsession_absolute_hours = 1\n")
    make_account("anne.peeters", password=PASSWORD)
    token = platform.accounts.sign_in("anne.peeters", PASSWORD).token
    clock.advance(minutes=5, seconds=1)
    with pytest.raises(SessionEnded):
        platform.accounts.current(token)


def test_unknown_and_signed_out_tokens_are_refused(platform: Platform) -> None:
    make_account("anne.peeters", password=PASSWORD)
    token = platform.accounts.sign_in("anne.peeters", PASSWORD).token
    for bad in ("", "x" * 500, token[:-2] + "zz"):
        with pytest.raises(SessionEnded):
            platform.accounts.current(bad)
    platform.accounts.sign_out(token)
    with pytest.raises(SessionEnded):
        platform.accounts.current(token)
    assert Session.get().end_reason == "signed_out"


def test_password_change_ends_the_other_sessions(any_platform: Platform) -> None:
    make_account("anne.peeters", password=PASSWORD)
    here = any_platform.accounts.sign_in("anne.peeters", PASSWORD).token
    elsewhere = any_platform.accounts.sign_in("anne.peeters", PASSWORD).token
    actor = any_platform.accounts.current(here)
    ended = any_platform.accounts.change_password(actor, PASSWORD, "orage sur la mer du nord", "orage sur la mer du nord",
                                                  keep_token=here)
    assert ended == 1
    assert any_platform.accounts.current(here).username == "anne.peeters"
    with pytest.raises(SessionEnded):
        any_platform.accounts.current(elsewhere)


@pytest.mark.parametrize("action", ["block", "delete"])
def test_block_and_deletion_end_every_session(any_platform: Platform, action: str) -> None:
    make_account("anne.peeters", password=PASSWORD)
    tokens = [any_platform.accounts.sign_in("anne.peeters", PASSWORD).token for _ in range(2)]
    assert getattr(any_platform.accounts, action)("anne.peeters") == 2
    for token in tokens:
        with pytest.raises(SessionEnded):
            any_platform.accounts.current(token)
    assert all(s.ended_at is not None for s in Session.select())


def test_a_status_change_outside_the_service_also_stops_the_session(platform: Platform) -> None:
    from immo_connect.accounts.models import Account

    make_account("anne.peeters", password=PASSWORD)
    token = platform.accounts.sign_in("anne.peeters", PASSWORD).token
    Account.update(status="blocked").where(Account.username == "anne.peeters").execute()
    with pytest.raises(SessionEnded):
        platform.accounts.current(token)


def test_touching_is_written_at_most_once_a_minute(platform: Platform, clock: FrozenClock) -> None:
    make_account("anne.peeters", password=PASSWORD)
    token = platform.accounts.sign_in("anne.peeters", PASSWORD).token
    start = Session.get().last_seen_at
    clock.advance(seconds=30)
    platform.accounts.current(token)
    assert Session.get().last_seen_at == start
    clock.advance(seconds=31)
    platform.accounts.current(token)
    assert Session.get().last_seen_at == start + dt.timedelta(seconds=61)
