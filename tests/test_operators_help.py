"""The helpdesk's actions: what changes, what is audited, what the owner is told."""

from __future__ import annotations

import dataclasses
import json

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.platform import Platform
from immo_connect.storage import transaction
from tests.support.accounts import last_code, mails_to, registration
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.operators import make_operator


def test_unlock_is_audited_with_operator_reason_and_change_and_mailed_to_the_owner(any_platform: Platform) -> None:
    anne = make_account("anne.peeters")
    with transaction():
        Account.update(failed_sign_ins=7, locked_until=any_platform.clock.now()).where(Account.id == anne.id).execute()
    helper = make_operator("hugo.help", "helpdesk")
    any_platform.operators.help.unlock(helper, anne.id, "called the desk, ticket 31")
    assert Account.get_by_id(anne.id).failed_sign_ins == 0
    event = audit.AuditEvent.get(audit.AuditEvent.action == "operator.unlocked")
    detail = json.loads(event.detail)
    assert event.actor == "hugo.help" and event.target == "anne.peeters"
    assert detail["reason"] == "called the desk, ticket 31" and detail["changed"]["failed_sign_ins"] == [7, 0]
    [mail] = mails_to("anne.peeters@example.be", "operator_action")
    assert "ticket 31" in mail.plain_text() and "attente" in mail.plain_text()


def test_a_missing_email_added_by_the_helpdesk_activates_with_the_code_sent_there(platform: Platform) -> None:
    jean = make_account("jdupont", first_name="Jean", last_name="Dupont")
    with transaction():
        Account.update(email=None).where(Account.id == jean.id).execute()
    helper = make_operator("hugo.help", "helpdesk")
    shown = platform.operators.help.add_email(helper, jean.id, "Jean.Dupont@example.be", "asked by phone, ticket 32")
    assert shown == "j…t@example.be"
    code = last_code("jean.dupont@example.be", "activation_code")
    from tests.support.accounts import session_for

    restricted = session_for(platform, Account.get_by_id(jean.id))
    platform.accounts.activate(restricted.token, code)
    assert Account.get_by_id(jean.id).email == "jean.dupont@example.be"


def test_unlinking_an_eid_forgets_the_number_and_never_shows_it(platform: Platform) -> None:
    signed = platform.accounts.register(registration())
    account = Account.get(Account.username == "anne.peeters")
    with transaction():
        Account.update(eid_linked_at=platform.clock.now(), national_number_hash="f" * 64,
                       national_number_encrypted=b"secret-bytes").where(Account.id == account.id).execute()
    helper = make_operator("hugo.help", "helpdesk")
    state = platform.operators.view(helper, account.id)
    shown = json.dumps(dataclasses.asdict(state), default=str)
    assert "f" * 64 not in shown and "secret" not in shown and "argon2" not in shown
    assert signed.token not in shown
    platform.operators.help.unlink_eid(helper, account.id, "new card, ticket 33")
    after = Account.get_by_id(account.id)
    assert after.eid_linked_at is None and after.national_number_hash is None and after.national_number_encrypted is None
    assert "ffff" not in "".join(str(e.detail) for e in audit.AuditEvent.select())


def test_reinstating_a_manager_tells_every_member(platform: Platform) -> None:
    left, bert, chloe = make_account("left.manager"), make_account("bert.claes"), make_account("chloe.dubois")
    organisation = make_organisation(left, name="Agence Lumière")
    member = add_member(organisation, bert)
    add_member(organisation, chloe)
    with transaction():  # the last manager left
        from immo_connect.organisations.models import Membership

        Membership.delete().where(Membership.account == left.id).execute()
    helper = make_operator("hugo.help", "helpdesk")
    platform.operators.help.reinstate_manager(helper, organisation.id, member.id, "signed request, ticket 34")
    assert len(mails_to("bert.claes@example.be", "operator_action")) == 1
    [mail] = mails_to("chloe.dubois@example.be", "operator_action")
    assert "Agence Lumière" in mail.plain_text() and "ticket 34" in mail.plain_text()


def test_searches_by_each_kind_of_identifier(platform: Platform) -> None:
    anne = make_account("anne.peeters", first_name="Anne", last_name="Peeters")
    make_account("bert.claes", first_name="Bert", last_name="Claes")
    organisation = make_organisation(anne, name="Immo Peeters")
    helper = make_operator("hugo.help", "helpdesk", first_name="Hugo", last_name="Helper")
    find = platform.operators.find
    assert [r.username for r in find(helper, "peet").rows] == ["anne.peeters"]
    assert [r.username for r in find(helper, "Anne Peeters").rows] == ["anne.peeters"]
    assert [r.username for r in find(helper, "ANNE.PEETERS@example").rows] == ["anne.peeters"]
    number = str(organisation.enterprise_number)
    assert find(helper, f"{number[:4]}.{number[4:7]}.{number[7:]}").searched_by == "enterprise_number"
    assert [r.username for r in find(helper, number).rows] == ["anne.peeters"]
    communication = platform.wallet.structured_communication(organisation.id)
    page = find(helper, communication)
    assert page.searched_by == "structured_communication" and [r.username for r in page.rows] == ["anne.peeters"]
