""""Mon compte": password change with the current password; e-mail change in two steps."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from immo_connect import audit
from immo_connect.accounts.account import REAUTH_LIMIT
from immo_connect.accounts.models import Account
from immo_connect.clock import FrozenClock
from immo_connect.errors import ImmoConnectError, PermissionDenied, ValidationError
from immo_connect.platform import Platform
from tests.support.accounts import PASSWORD, last_code, mails_to, wrong_code
from tests.support.factories import make_account
from tests.support.smtp import SmtpServer

Make = Callable[..., Platform]
NEW = "orage sur la mer du nord"


def signed_in(platform: Platform, username: str = "anne.peeters", email: str = "anne@example.be") -> tuple[Account, str]:
    make_account(username, email=email, password=PASSWORD)
    token = platform.accounts.sign_in(username, PASSWORD).token
    return platform.accounts.current(token), token


def test_password_change_needs_the_current_password_and_notifies(platform: Platform) -> None:
    actor, token = signed_in(platform)
    with pytest.raises(ValidationError) as wrong:
        platform.accounts.change_password(actor, "pas le bon 123", NEW, NEW, keep_token=token)
    assert wrong.value.field == "current_password"
    with pytest.raises(ValidationError) as empty:
        platform.accounts.change_password(actor, "", NEW, NEW, keep_token=token)
    assert empty.value.code == "required"
    with pytest.raises(ValidationError) as same:
        platform.accounts.change_password(actor, PASSWORD, PASSWORD, PASSWORD, keep_token=token)
    assert same.value.code == "password_unchanged"
    assert mails_to("anne@example.be") == []

    platform.accounts.change_password(actor, PASSWORD, NEW, NEW, keep_token=token)
    assert [m.template for m in mails_to("anne@example.be")] == ["password_changed_notice"]
    assert platform.accounts.sign_in("anne.peeters", NEW).username == "anne.peeters"
    events = [(e.action, e.outcome) for e in audit.query(audit.AuditFilter(action="account.password_change"))]
    assert events[0] == ("account.password_change", "success")
    assert ("account.password_change", "refused") in events


def test_wrong_current_passwords_are_limited(platform: Platform, clock: FrozenClock) -> None:
    actor, _token = signed_in(platform)
    for _ in range(REAUTH_LIMIT):
        with pytest.raises(ValidationError):
            platform.accounts.change_password(actor, "pas le bon 123", NEW, NEW)
    with pytest.raises(ImmoConnectError) as limited:
        platform.accounts.change_password(actor, PASSWORD, NEW, NEW)
    assert limited.value.code == "rate_limited"
    clock.advance(minutes=15, seconds=1)
    platform.accounts.current(platform.accounts.sign_in("anne.peeters", PASSWORD).token)
    platform.accounts.change_password(actor, PASSWORD, NEW, NEW)


def test_email_change_in_two_steps_over_smtp(make_platform: Make, smtp_server: SmtpServer) -> None:
    platform = make_platform(config_text=smtp_server.config_text())
    actor, _token = signed_in(platform)
    assert platform.accounts.request_email_change(actor, "Anne.New@Example.be", PASSWORD) == "anne.new@example.be"
    platform.outbox.deliver_all_due()
    code = smtp_server.last_code("anne.new@example.be")
    # Nothing changes before the code is entered.
    assert Account.get_by_id(actor.id).email == "anne@example.be"
    assert platform.accounts.pending_email_change(actor) == "anne.new@example.be"
    with pytest.raises(ImmoConnectError) as wrong:
        platform.accounts.confirm_email_change(actor, wrong_code(code))
    assert wrong.value.code == "code_wrong"
    assert platform.accounts.confirm_email_change(actor, code) == "anne.new@example.be"
    assert Account.get_by_id(actor.id).email == "anne.new@example.be"
    platform.outbox.deliver_all_due()
    notice = smtp_server.last_message("anne@example.be")  # the old address is told
    assert "anne.new@example.be" in notice.text
    with pytest.raises(ImmoConnectError) as reused:
        platform.accounts.confirm_email_change(actor, code)
    assert reused.value.code == "code_expired"
    assert platform.accounts.sign_in("anne.new@example.be", PASSWORD).username == "anne.peeters"


@pytest.mark.parametrize(("new_email", "password", "field", "code"), [
    ("", PASSWORD, "new_email", "required"),
    ("pas une adresse", PASSWORD, "new_email", "invalid_email"),
    ("anne@example.be", PASSWORD, "new_email", "email_unchanged"),
    ("marc@example.be", PASSWORD, "new_email", "email_taken"),
    ("anne.new@example.be", "pas le bon 123", "current_password", "current_password_wrong"),
])
def test_bad_email_change_requests_send_nothing(
    platform: Platform, new_email: str, password: str, field: str, code: str
) -> None:
    actor, _token = signed_in(platform)
    make_account("marc.dubois", email="marc@example.be")
    with pytest.raises(ImmoConnectError) as caught:
        platform.accounts.request_email_change(actor, new_email, password)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert platform.accounts.pending_email_change(actor) is None
    assert Account.get_by_id(actor.id).email == "anne@example.be"


def test_address_taken_meanwhile_is_refused_at_confirmation(platform: Platform) -> None:
    actor, _token = signed_in(platform)
    platform.accounts.request_email_change(actor, "anne.new@example.be", PASSWORD)
    code = last_code("anne.new@example.be")
    make_account("quelquun", email="anne.new@example.be")
    with pytest.raises(ImmoConnectError) as caught:
        platform.accounts.confirm_email_change(actor, code)
    assert caught.value.code == "email_taken"
    assert Account.get_by_id(actor.id).email == "anne@example.be"


def test_an_inactive_actor_is_refused_and_audited(platform: Platform) -> None:
    actor, _token = signed_in(platform)
    platform.accounts.block("anne.peeters")
    with pytest.raises(PermissionDenied):
        platform.accounts.request_email_change(actor, "anne.new@example.be", PASSWORD)
    assert next(audit.query(audit.AuditFilter(action="account.action_refused"))).outcome == "refused"
