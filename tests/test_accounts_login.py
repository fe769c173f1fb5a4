"""Signing in: username or e-mail, escalating waits, the hourly cap, the per-source limit,
one message and one Argon2id computation for every refusal, the owner mailed, the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from immo_connect import audit
from immo_connect.accounts import login
from immo_connect.accounts.models import Account, SignInFailure
from immo_connect.accounts.ratelimit import TooManyAttempts
from immo_connect.accounts.required import ACTIVATE, LINK_EID
from immo_connect.clock import FrozenClock
from immo_connect.errors import ImmoConnectError, ValidationError
from immo_connect.platform import Platform
from tests.support.accounts import PASSWORD, mails_to
from tests.support.factories import make_account

Make = Callable[..., Platform]


class CountingHasher:
    """Wraps the real hasher to count Argon2id computations per sign-in."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.computations = 0

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self.real, name)
        if name in ("verify", "burn", "hash"):
            def counted(*args: object, **kwargs: object) -> object:
                self.computations += 1
                return attribute(*args, **kwargs)
            return counted
        return attribute


def refusal(platform: Platform, identifier: str, password: str) -> ImmoConnectError:
    with pytest.raises(ImmoConnectError) as caught:
        platform.accounts.sign_in(identifier, password)
    return caught.value


def test_sign_in_with_username_or_email(platform: Platform) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD)
    by_name = platform.accounts.sign_in("Anne.Peeters", PASSWORD)
    by_mail = platform.accounts.sign_in(" ANNE@example.be ", PASSWORD)
    assert by_name.account_id == by_mail.account_id
    assert by_name.required_actions == (LINK_EID,) and not by_name.restricted
    assert by_name.token != by_mail.token
    assert len(by_name.token) >= 32  # 256 random bits, URL-safe base64
    assert platform.accounts.current(by_name.token).username == "anne.peeters"
    events = list(audit.query(audit.AuditFilter(action="auth.sign_in", outcome="success")))
    assert len(events) == 2 and '"password"' in events[0].detail


@pytest.mark.parametrize(("identifier", "password", "field"), [
    ("", PASSWORD, "identifier"), ("anne", "", "password"), ("a" * 300, PASSWORD, "identifier"),
    ("anne", "x" * 2000, "password"),
])
def test_empty_or_oversized_input_is_refused_before_any_check(
    platform: Platform, identifier: str, password: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        platform.accounts.sign_in(identifier, password)
    assert caught.value.field == field
    assert SignInFailure.select().count() == 0


def test_unknown_wrong_waiting_and_blocked_look_the_same(platform: Platform, clock: FrozenClock) -> None:
    make_account("anne.peeters", password=PASSWORD)
    make_account("bloque", password=PASSWORD, status="blocked")
    counting = CountingHasher(platform.accounts.hasher)
    platform.accounts.hasher = counting  # type: ignore[assignment]
    answers = {}
    for case, (identifier, password) in {
        "unknown": ("personne", PASSWORD), "wrong": ("anne.peeters", "mauvais mot 1"),
        "blocked": ("bloque", PASSWORD),
    }.items():
        before = counting.computations
        error = refusal(platform, identifier, password)
        answers[case] = (type(error), error.code, error.message, error.hint, counting.computations - before)
    for _ in range(4):
        refusal(platform, "anne.peeters", "mauvais mot 1")
    before = counting.computations
    error = refusal(platform, "anne.peeters", PASSWORD)  # the right password during the wait
    answers["waiting"] = (type(error), error.code, error.message, error.hint, counting.computations - before)
    assert len(set(answers.values())) == 1, answers
    assert answers["unknown"][4] == 1  # one Argon2id computation each: alike in time too


def test_waits_escalate_and_the_owner_is_mailed_once(platform: Platform, clock: FrozenClock) -> None:
    make_account("anne.peeters", email="anne@example.be", password=PASSWORD)
    for _ in range(login.LOCK_THRESHOLD - 1):
        refusal(platform, "anne.peeters", "mauvais mot 1")
    assert Account.get(Account.username == "anne.peeters").locked_until is None
    refusal(platform, "anne.peeters", "mauvais mot 1")
    account = Account.get(Account.username == "anne.peeters")
    assert account.locked_until == clock.now() + dt.timedelta(seconds=30)
    assert [m.template for m in mails_to("anne@example.be")] == ["account_locked"]
    assert "5" in mails_to("anne@example.be")[0].plain_text()

    clock.advance(seconds=31)
    refusal(platform, "anne.peeters", "mauvais mot 2")
    assert Account.get(Account.username == "anne.peeters").locked_until == clock.now() + dt.timedelta(seconds=60)
    assert len(mails_to("anne@example.be")) == 1  # mailed when the series starts, not every time
    assert [w for w in (login.wait_after(n) for n in range(5, 20))][-1] == login.MAX_WAIT

    clock.advance(seconds=61)
    platform.accounts.sign_in("anne.peeters", PASSWORD)
    account = Account.get(Account.username == "anne.peeters")
    assert (account.failed_sign_ins, account.locked_until) == (0, None)
    actions = [e.action for e in audit.query(audit.AuditFilter(action="account."))]
    assert actions == ["account.unlocked", "account.locked", "account.locked"]


def test_an_attacker_waiting_out_every_wait_gets_few_guesses_an_hour(platform: Platform, clock: FrozenClock) -> None:
    make_account("anne.peeters", password=PASSWORD)
    start = clock.now()
    while clock.now() < start + dt.timedelta(hours=1):
        refusal(platform, "anne.peeters", "mauvais mot 1")
        locked_until = Account.get(Account.username == "anne.peeters").locked_until
        clock.current = max(clock.now(), locked_until or clock.now()) + dt.timedelta(seconds=1)
    checked = SignInFailure.select().where(SignInFailure.checked).count()
    assert checked <= 15


def test_hard_cap_of_100_failures_an_hour_holds_without_waits(
    platform: Platform, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from immo_connect.accounts.passwords import Argon2Parameters, PasswordHasher

    monkeypatch.setattr(login, "LOCK_THRESHOLD", 10**6)  # as if the waits were configured away
    cheap = PasswordHasher(Argon2Parameters(iterations=1, memory_kib=8)).hash(PASSWORD)  # fast to check
    make_account("anne.peeters", password_hash=cheap)
    for _ in range(login.HOURLY_CAP):
        refusal(platform, "anne.peeters", "mauvais mot 1")
        clock.advance(seconds=31)  # slow enough for the per-source limit (30 in 15 minutes)
    assert Account.get(Account.username == "anne.peeters").locked_until >= clock.now() + dt.timedelta(minutes=58)
    refusal(platform, "anne.peeters", PASSWORD)  # not even the right password is checked now
    assert SignInFailure.select().where(SignInFailure.checked).count() == login.HOURLY_CAP


def test_per_source_limit_covers_every_account(make_platform: Make, clock: FrozenClock) -> None:
    platform = make_platform(source="ssh:203.0.113.7")
    for n in range(login.SOURCE_LIMIT):
        refusal(platform, f"inconnu{n}", "mauvais mot 1")
    make_account("anne.peeters", password=PASSWORD)
    with pytest.raises(TooManyAttempts) as caught:
        platform.accounts.sign_in("anne.peeters", PASSWORD)
    assert "15" in caught.value.hint
    clock.advance(minutes=15, seconds=1)
    assert platform.accounts.sign_in("anne.peeters", PASSWORD).username == "anne.peeters"


def test_pending_account_gets_a_restricted_session(platform: Platform) -> None:
    make_account("lucas.maes", status="pending", password=PASSWORD)
    signed = platform.accounts.sign_in("lucas.maes", PASSWORD)
    assert signed.required_actions == (ACTIVATE, LINK_EID)
    with pytest.raises(ImmoConnectError) as caught:
        platform.accounts.current(signed.token)
    assert caught.value.code == "session_restricted"


def test_sign_in_rehashes_when_parameters_change(platform: Platform) -> None:
    from immo_connect.accounts.passwords import Argon2Parameters, PasswordHasher

    old = PasswordHasher(Argon2Parameters(iterations=3, memory_kib=12 * 1024)).hash(PASSWORD)
    make_account("anne.peeters", password_hash=old)
    platform.accounts.sign_in("anne.peeters", PASSWORD)
    stored = Account.get(Account.username == "anne.peeters").password_hash
    assert stored != old and stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    platform.accounts.sign_in("anne.peeters", PASSWORD)
    assert Account.get(Account.username == "anne.peeters").password_hash == stored


def test_failures_are_audited_without_the_typed_identifier(platform: Platform) -> None:
    refusal(platform, "mon-mot-de-passe-secret", "x" * 10)
    event = next(audit.query(audit.AuditFilter(action="auth.sign_in")))
    assert event.outcome == "refused"
    assert "mon-mot-de-passe-secret" not in f"{event.target}{event.detail}{event.actor}"


def test_brute_force_state_on_both_databases(any_platform: Platform, clock: FrozenClock) -> None:
    make_account("anne.peeters", password=PASSWORD)
    for _ in range(login.LOCK_THRESHOLD):
        refusal(any_platform, "anne.peeters", "mauvais mot 1")
    refusal(any_platform, "anne.peeters", PASSWORD)
    clock.advance(seconds=31)
    assert any_platform.accounts.sign_in("anne.peeters", PASSWORD).username == "anne.peeters"
