"""Registration and activation: the real SMTP server gets the code; bad input saves nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from immo_connect import audit
from immo_connect.accounts.codes import ALPHABET, LENGTH
from immo_connect.accounts.models import Account, Session, VerificationCode
from immo_connect.accounts.registration import CONFLICT_LIMIT, UsernameTaken, propose_username
from immo_connect.accounts.required import ACTIVATE, LINK_EID
from immo_connect.accounts.sessions import SessionEnded
from immo_connect.clock import FrozenClock
from immo_connect.errors import ConflictError, ImmoConnectError, ValidationError
from immo_connect.mail.models import OutboxMessage
from immo_connect.platform import Platform
from tests.support.accounts import PASSWORD, last_code, registration, wrong_code
from tests.support.factories import make_account
from tests.support.smtp import SmtpServer

Make = Callable[..., Platform]


def test_registration_mails_a_code_that_activates_the_account(make_platform: Make, smtp_server: SmtpServer) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    pending = platform.accounts.register(registration())
    assert pending.required_actions == (ACTIVATE, LINK_EID)
    assert pending.restricted
    account = Account.get(Account.username == "anne.peeters")
    assert account.status == "pending"
    assert account.terms_version == platform.settings.platform.terms_version
    assert account.terms_accepted_at == platform.clock.now()
    assert account.password_hash.startswith("$argon2id$")

    report = platform.outbox.deliver_all_due()
    assert report.sent == 1
    code = smtp_server.last_code("anne.peeters@example.be")
    assert len(code) == LENGTH and set(code) <= set(ALPHABET)
    assert "activ" in smtp_server.last_message("anne.peeters@example.be").message["Subject"].lower()
    # Only a keyed hash is stored.
    row = VerificationCode.get(VerificationCode.account == account.id)
    assert code not in row.code_hash and len(row.code_hash) == 64

    with pytest.raises(SessionEnded):  # a restricted session cannot act yet
        platform.accounts.current(pending.token)
    active = platform.accounts.activate(pending.token, code.lower())
    assert active.required_actions == (LINK_EID,)
    assert active.token != pending.token
    assert platform.accounts.current(active.token).status == "active"
    with pytest.raises(SessionEnded):  # the restricted token was replaced
        platform.accounts.session_info(pending.token)
    assert [e.action for e in audit.query(audit.AuditFilter(action="account."))][:2] == [
        "account.activated", "account.registered"]


def test_registration_and_activation_on_both_databases(any_platform: Platform) -> None:
    pending = any_platform.accounts.register(registration())
    code = last_code("anne.peeters@example.be")
    signed = any_platform.accounts.activate(pending.token, code)
    assert any_platform.accounts.current(signed.token).username == "anne.peeters"
    with pytest.raises(ImmoConnectError) as caught:
        any_platform.accounts.register(registration(email="autre@example.be"))
    assert caught.value.code == "username_taken"
    assert Account.select().count() == 1


def test_every_login_of_an_unactivated_account_leads_to_the_code(platform: Platform) -> None:
    platform.accounts.register(registration())
    again = platform.accounts.sign_in("anne.peeters@example.be", PASSWORD)
    assert again.next_action == ACTIVATE and again.restricted
    assert again.email_hint == "a…s@example.be"


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"first_name": ""}, "first_name", "required"),
        ({"first_name": "A" * 101}, "first_name", "too_long"),
        ({"last_name": "Peeters3"}, "last_name", "invalid_name"),
        ({"username": ""}, "username", "required"),
        ({"username": "anne"}, "username", "username_too_short"),
        ({"username": "a" * 65}, "username", "too_long"),
        ({"username": "anne peeters"}, "username", "invalid_username"),
        ({"email": ""}, "email", "required"),
        ({"email": "anne@"}, "email", "invalid_email"),
        ({"email": "anne peeters@example.be"}, "email", "invalid_email"),
        ({"email": "anne@example"}, "email", "invalid_email"),
        ({"email": "a" * 250 + "@example.be"}, "email", "too_long"),
        ({"password": "court", "password_confirmation": "court"}, "password", "password_too_short"),
        ({"password_confirmation": "autre chose 1987"}, "password_confirmation", "password_mismatch"),
        ({"password": "Peeters2026!", "password_confirmation": "Peeters2026!"}, "password", "password_personal"),
        ({"accept_terms": False}, "accept_terms", "terms_not_accepted"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    platform: Platform, changes: dict[str, object], field: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        platform.accounts.register(registration(**changes))
    assert (caught.value.field, caught.value.code) == (field, code)
    assert caught.value.message and caught.value.hint
    assert Account.select().count() == 0
    assert OutboxMessage.select().count() == 0
    assert Session.select().count() == 0


def test_taken_username_suggests_free_variants(platform: Platform) -> None:
    make_account("anne.peeters", email="other@example.be")
    make_account("annepeeters", email="other2@example.be")
    with pytest.raises(UsernameTaken) as caught:
        platform.accounts.register(registration())
    suggestions = caught.value.suggestions
    assert suggestions and "anne.peeters" not in suggestions and "annepeeters" not in suggestions
    assert all(s in caught.value.hint for s in suggestions)
    assert not Account.select().where(Account.username.in_(suggestions)).exists()
    signed = platform.accounts.register(registration(username=suggestions[0]))
    assert signed.username == suggestions[0]


def test_known_email_points_to_sign_in_and_recovery(platform: Platform) -> None:
    make_account("someone", email="anne.peeters@example.be")
    with pytest.raises(ConflictError) as caught:
        platform.accounts.register(registration(email="Anne.Peeters@Example.be"))
    assert caught.value.code == "email_taken" and caught.value.field == "email"
    assert "Mot de passe oublié ?" in caught.value.hint
    assert Account.select().count() == 1


def test_existence_answers_are_rate_limited_per_source(platform: Platform, clock: FrozenClock) -> None:
    for n in range(CONFLICT_LIMIT):
        make_account(f"taken{n:03d}", email=f"taken{n}@example.be")
        with pytest.raises(UsernameTaken):
            platform.accounts.register(registration(username=f"taken{n:03d}", email=f"new{n}@example.be"))
    with pytest.raises(ImmoConnectError) as caught:  # even a free username is not checked now
        platform.accounts.register(registration(username="libre.enfin", email="libre@example.be"))
    assert caught.value.code == "rate_limited"
    assert not Account.select().where(Account.username == "libre.enfin").exists()
    clock.advance(hours=1, seconds=1)
    platform.accounts.register(registration(username="libre.enfin", email="libre@example.be"))


def test_role_address_is_accepted_with_a_warning(platform: Platform) -> None:
    from immo_connect.accounts.validation import role_address_warning

    assert "info@" in role_address_warning("info@agence.be")
    assert role_address_warning("anne@agence.be") == ""
    platform.accounts.register(registration(email="info@agence.be"))
    assert Account.get(Account.username == "anne.peeters").email == "info@agence.be"


def test_username_is_proposed_from_the_names() -> None:
    assert propose_username("Anne", "Peeters") == "anne.peeters"
    assert propose_username("Éloïse", "Van den Bossche") == "eloise.vandenbossche"
    assert propose_username("Li", "Wu") == "li.wu1"


def test_wrong_expired_reused_and_sixth_attempt(platform: Platform, clock: FrozenClock) -> None:
    pending = platform.accounts.register(registration())
    code = last_code("anne.peeters@example.be")
    with pytest.raises(ValidationError) as malformed:
        platform.accounts.activate(pending.token, "12")
    assert malformed.value.code == "code_malformed"
    messages = []
    for _ in range(5):
        with pytest.raises(ImmoConnectError) as caught:
            platform.accounts.activate(pending.token, wrong_code(code))
        messages.append(caught.value.code)
    assert messages == ["code_wrong"] * 4 + ["code_attempts"]
    with pytest.raises(ImmoConnectError) as sixth:  # even the right code is refused now
        platform.accounts.activate(pending.token, code)
    assert sixth.value.code == "code_attempts"
    assert Account.get(Account.username == "anne.peeters").status == "pending"

    clock.advance(seconds=31)
    platform.accounts.resend_activation(pending.token)
    fresh = last_code("anne.peeters@example.be")
    clock.advance(hours=24, seconds=1)
    signed = platform.accounts.sign_in("anne.peeters", PASSWORD)  # the first session expired too
    with pytest.raises(ImmoConnectError) as expired:
        platform.accounts.activate(signed.token, fresh)
    assert expired.value.code == "code_expired"

    platform.accounts.resend_activation(signed.token)
    newest = last_code("anne.peeters@example.be")
    active = platform.accounts.activate(signed.token, newest)
    with pytest.raises(ImmoConnectError) as reused:
        platform.accounts.activate(active.token, newest)
    assert reused.value.code == "already_active"


def test_resend_invalidates_the_previous_code_with_cooldown_and_daily_cap(platform: Platform, clock: FrozenClock) -> None:
    pending = platform.accounts.register(registration())
    first = last_code("anne.peeters@example.be")
    with pytest.raises(ImmoConnectError) as cooldown:
        platform.accounts.resend_activation(pending.token)
    assert cooldown.value.code == "code_cooldown"
    clock.advance(seconds=30)
    assert platform.accounts.resend_activation(pending.token) == "a…s@example.be"
    assert last_code("anne.peeters@example.be") != first
    with pytest.raises(ImmoConnectError) as old:
        platform.accounts.activate(pending.token, first)
    assert old.value.code == "code_wrong"
    for _ in range(8):  # 10 codes a day in all
        clock.advance(seconds=31)
        platform.accounts.resend_activation(pending.token)
    clock.advance(seconds=31)
    with pytest.raises(ImmoConnectError) as capped:
        platform.accounts.resend_activation(pending.token)
    assert capped.value.code == "code_daily_cap"
    platform.accounts.activate(pending.token, last_code("anne.peeters@example.be"))


def test_created_and_activated_events_reach_plugins(make_platform: Make) -> None:
    from immo_connect import hookimpl

    seen: list[str] = []

    class Listener:
        @hookimpl
        def immo_connect_account_created(self, account: Account) -> None:
            seen.append(f"created:{account.username}")

        @hookimpl
        def immo_connect_account_activated(self, account: Account) -> None:
            seen.append(f"activated:{account.username}")

    platform = make_platform(extra_plugins={"listener": Listener()})
    pending = platform.accounts.register(registration())
    platform.accounts.activate(pending.token, last_code("anne.peeters@example.be"))
    assert seen == ["created:anne.peeters", "activated:anne.peeters"]


def test_registrations_while_the_smtp_server_is_down_lose_no_code(
    make_platform: Make, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    smtp_server.stop()
    people = [("Anne", "Peeters"), ("Marc", "Dubois"), ("Sophie", "Janssens")]
    tokens = {}
    for first, last in people:
        address = f"{first.lower()}@example.be"
        signed = platform.accounts.register(registration(
            first_name=first, last_name=last, username=propose_username(first, last), email=address))
        tokens[address] = signed.token  # the answer never waited for the mail server
    assert platform.outbox.deliver_all_due().sent == 0
    smtp_server.start()
    clock.advance(minutes=2)
    assert platform.outbox.deliver_all_due().sent == len(people)
    clock.advance(minutes=20)
    assert platform.outbox.deliver_all_due().claimed == 0
    for address, token in tokens.items():
        assert len(smtp_server.messages_to(address)) == 1  # exactly once
        platform.accounts.activate(token, smtp_server.last_code(address))
    assert Account.select().where(Account.status == "active").count() == len(people)
