"""« Mes clés SSH » in the core: registering, listing and removing keys; the session register."""

from __future__ import annotations

import datetime as dt

import asyncssh
import pytest

from immo_connect.audit import AuditEvent
from immo_connect.clock import FrozenClock
from immo_connect.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from immo_connect.platform import Platform
from immo_connect.ssh.keys import MAX_KEYS_PER_ACCOUNT, parse_public_key
from immo_connect.ssh.models import SshKey, SshSession
from immo_connect.ssh.sessions import STALE_AFTER, SessionLimitReached, SessionLimits
from tests.support.factories import make_account

LIMITS = SessionLimits(max_sessions=3, max_per_account=2, max_anonymous=2, max_anonymous_per_address=1)


def public_line(algorithm: str = "ssh-ed25519", comment: str = "alice@laptop", **options: int) -> str:
    key = asyncssh.generate_private_key(algorithm, comment=comment, **options)
    return key.export_public_key().decode().strip()


def test_add_list_remove_own_keys(platform: Platform) -> None:
    alice = make_account("alice")
    line = public_line()
    info = platform.ssh_keys.add_key(alice, line)
    assert info.name == "alice@laptop"  # the comment names the key by default
    assert info.fingerprint == asyncssh.import_public_key(line).get_fingerprint("sha256")
    assert [k.fingerprint for k in platform.ssh_keys.list_keys(alice)] == [info.fingerprint]
    assert platform.ssh_keys.account_for_key(info.fingerprint).id == alice.id  # type: ignore[union-attr]
    platform.ssh_keys.remove_key(alice, info.id)
    assert platform.ssh_keys.list_keys(alice) == []
    assert platform.ssh_keys.account_for_key(info.fingerprint) is None
    actions = [e.action for e in AuditEvent.select().where(AuditEvent.actor == "alice").order_by(AuditEvent.id)]
    assert actions == ["ssh.key.add", "ssh.key.remove"]


def test_a_key_pasted_over_several_lines_with_a_chosen_name(platform: Platform) -> None:
    alice = make_account("alice")
    line = public_line("ecdsa-sha2-nistp256")
    broken = line[:30] + "\n" + line[30:]  # a terminal wrapped the paste
    info = platform.ssh_keys.add_key(alice, broken, "  bureau   Namur ")
    assert (info.name, info.algorithm) == ("bureau Namur", "ecdsa-sha2-nistp256")
    assert SshKey.get().public_key == " ".join(line.split()[:2])


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "ssh_key_invalid"),
        ("not a key at all", "ssh_key_invalid"),
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBroken", "ssh_key_invalid"),
        ('command="ls" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA', "ssh_key_invalid"),
        ("ssh-dss AAAAB3NzaC1kc3MAAACBAP", "ssh_key_invalid"),
        ("-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAA", "ssh_key_private"),
        ("ssh-ed25519 " + "A" * 20_000, "ssh_key_invalid"),
    ],
)
def test_bad_keys_are_refused_with_a_reason(platform: Platform, text: str, code: str) -> None:
    alice = make_account("alice")
    with pytest.raises(ValidationError) as refused:
        platform.ssh_keys.add_key(alice, text)
    assert refused.value.code == code
    assert refused.value.hint
    assert SshKey.select().count() == 0


def test_short_rsa_keys_and_mislabelled_keys_are_refused() -> None:
    with pytest.raises(ValidationError, match="2048"):
        parse_public_key(public_line("ssh-rsa", key_size=1024))
    ed25519 = public_line().split()[1]
    with pytest.raises(ValidationError):
        parse_public_key(f"ecdsa-sha2-nistp256 {ed25519}")


def test_a_key_signs_in_one_account_only(platform: Platform) -> None:
    alice, bob = make_account("alice"), make_account("bob")
    line = public_line()
    platform.ssh_keys.add_key(alice, line)
    with pytest.raises(ConflictError) as taken:
        platform.ssh_keys.add_key(bob, line)
    assert taken.value.code == "ssh_key_taken"
    with pytest.raises(ConflictError):
        platform.ssh_keys.add_key(alice, line)


def test_keys_of_others_cannot_be_removed_and_inactive_accounts_are_refused(platform: Platform) -> None:
    alice, bob = make_account("alice"), make_account("bob")
    info = platform.ssh_keys.add_key(alice, public_line())
    with pytest.raises(NotFoundError):
        platform.ssh_keys.remove_key(bob, info.id)
    assert SshKey.select().count() == 1
    blocked = make_account("carol", status="blocked")
    with pytest.raises(PermissionDenied):
        platform.ssh_keys.add_key(blocked, public_line())
    refusal = AuditEvent.get(AuditEvent.actor == "carol")
    assert (refusal.action, refusal.outcome) == ("ssh.key.add", "refused")
    # A key of an account blocked later no longer signs anyone in.
    alice.status = "blocked"
    alice.save()
    assert platform.ssh_keys.account_for_key(info.fingerprint) is None


def test_key_count_is_limited(platform: Platform) -> None:
    alice = make_account("alice")
    for _ in range(MAX_KEYS_PER_ACCOUNT):
        platform.ssh_keys.add_key(alice, public_line())
    with pytest.raises(ConflictError) as full:
        platform.ssh_keys.add_key(alice, public_line())
    assert full.value.code == "ssh_key_limit"


def test_session_register_limits_hold_on_both_databases(any_platform: Platform, clock: FrozenClock) -> None:
    registry = any_platform.ssh_sessions
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    first = registry.open(server="a:1", source="ssh:10.0.0.1", account_id=alice.id, limits=LIMITS)
    registry.open(server="b:2", source="ssh:10.0.0.2", account_id=alice.id, limits=LIMITS)
    with pytest.raises(SessionLimitReached) as per_account:
        registry.open(server="a:1", source="ssh:10.0.0.1", account_id=alice.id, limits=LIMITS)
    assert per_account.value.code == "ssh_max_account_sessions"
    registry.open(server="b:2", source="ssh:10.0.0.2", account_id=bob.id, limits=LIMITS)
    with pytest.raises(SessionLimitReached) as full:
        registry.open(server="b:2", source="ssh:10.0.0.4", account_id=carol.id, limits=LIMITS)
    assert full.value.code == "ssh_max_sessions"
    # Sessions on the sign-in screen have places of their own, one per address here.
    anonymous = registry.open(server="a:1", source="ssh:10.0.0.3", limits=LIMITS)
    with pytest.raises(SessionLimitReached) as per_address:
        registry.open(server="b:2", source="ssh:10.0.0.3", limits=LIMITS)
    assert per_address.value.code == "ssh_max_anonymous_per_address"
    registry.open(server="b:2", source="ssh:10.0.0.4", limits=LIMITS)
    with pytest.raises(SessionLimitReached) as anonymous_full:
        registry.open(server="a:1", source="ssh:10.0.0.5", limits=LIMITS)
    assert anonymous_full.value.code == "ssh_max_anonymous_sessions"
    assert (registry.signed_in_count(), registry.anonymous_count(), registry.anonymous_count("ssh:10.0.0.3")) == (3, 2, 1)
    # Signing in on the sign-in screen needs a signed-in place and one within the account's limit.
    with pytest.raises(SessionLimitReached) as no_room:
        registry.signed_in(anonymous, carol.id, limits=LIMITS)
    assert no_room.value.code == "ssh_max_sessions"
    registry.close(first, "disconnected")
    registry.close(first, "disconnected")  # idempotent
    registry.signed_in(anonymous, alice.id, limits=LIMITS)
    assert registry.live_count(alice.id) == 2
    # The place it held on the sign-in screen is free again.
    registry.open(server="a:1", source="ssh:10.0.0.5", limits=LIMITS)
    # Rows of a server that stopped refreshing them stop counting.
    clock.advance(seconds=STALE_AFTER.total_seconds() + 1)
    assert registry.live_count() == 0
    closes = AuditEvent.select().where(AuditEvent.action == "ssh.session.close").count()
    refusals = AuditEvent.select().where((AuditEvent.outcome == "refused") & AuditEvent.action.startswith("ssh.session")).count()
    assert (closes, refusals) == (1, 5)
    assert SshSession.get_by_id(first).end_reason == "disconnected"


def test_blocked_and_deleted_accounts_are_named_for_closing_their_sessions(any_platform: Platform) -> None:
    registry = any_platform.ssh_sessions
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    ids = [int(who.id) for who in (alice, bob, carol)]
    assert registry.closed_accounts(ids) == {}
    any_platform.accounts.block("alice")
    any_platform.accounts.delete("carol")
    assert registry.closed_accounts([*ids, alice.id]) == {alice.id: "blocked", carol.id: "deleted"}
    assert registry.closed_accounts([]) == {}


def test_failed_sign_ins_are_counted_per_source(platform: Platform, clock: FrozenClock) -> None:
    from immo_connect import audit
    from immo_connect.storage import transaction

    with transaction():
        for _ in range(3):
            audit.record("auth.sign_in", outcome="refused", source="ssh:10.0.0.9", at=clock.now())
        audit.record("auth.sign_in", outcome="success", source="ssh:10.0.0.9", at=clock.now())
        audit.record("ssh.auth", outcome="refused", source="ssh:10.0.0.9", at=clock.now())
        audit.record("auth.sign_in", outcome="refused", source="ssh:10.0.0.8", at=clock.now())
    window = dt.timedelta(minutes=15)
    assert platform.ssh_sessions.recent_failures("ssh:10.0.0.9", window) == 4
    clock.advance(minutes=16)
    assert platform.ssh_sessions.recent_failures("ssh:10.0.0.9", window) == 0
