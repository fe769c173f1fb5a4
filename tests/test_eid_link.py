"""Linking a card here: pcscd + vpcd + emulated card, SoftHSM2 as the PKCS#11 module, a real database.

Every refusal leaves the account exactly as it was, is audited with its reason, and never
shows the national number (messages, audit log, log file).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import pytest

from immo_connect import audit, hookimpl
from immo_connect.accounts.models import Account, Profile
from immo_connect.eid.emulator.pki import Holder, TestPki, national_number
from immo_connect.eid.errors import EidError
from immo_connect.eid.models import LinkedCard
from immo_connect.errors import ImmoConnectError
from immo_connect.organisations.data import sort_name
from immo_connect.organisations.models import Membership
from immo_connect.platform import Platform
from tests.support.eid import PCSCD, EidStack, Pkis
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.tools import AGENT_AND_SYNDIC, registers_config

pytestmark = PCSCD


class Listener:
    def __init__(self) -> None:
        self.linked: list[int] = []

    @hookimpl
    def immo_connect_eid_linked(self, account: Any) -> None:
        self.linked.append(int(account.id))


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def eid_platform(make_platform: Callable[..., Platform], pkis: Pkis, eid_reader: EidStack, listener: Listener) -> Platform:
    return make_platform(config_text=pkis.config(eid_reader.module) + registers_config(),
                         extra_plugins={"listener": listener})


def snapshot(account_id: int) -> tuple[Any, ...]:
    account = Account.get_by_id(account_id)
    profile = Profile.get_or_none(Profile.account == account_id)
    return (
        account.national_number_hash, account.national_number_encrypted, account.eid_linked_at,
        account.first_name, account.last_name, LinkedCard.select().where(LinkedCard.account == account_id).count(),
        None if profile is None else (profile.birth_date, profile.nationality, profile.gender),
    )


def all_audit_text() -> str:
    return "\n".join(f"{e.action} {e.target} {e.detail}" for e in audit.AuditEvent.select())


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_linking_a_card_here(eid_platform: Platform, eid_reader: EidStack, pkis: Pkis, listener: Listener,
                             kind: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    pki = pkis.ec if kind == "ec" else pkis.rsa
    holder = Holder(surname="Dubois", first_names="Marc Henri", sex="M", national_number=AGENT_AND_SYNDIC,
                    birth_date="30.JUL.1985" if kind == "ec" else "30 JUL 1985", nationality="Belge")
    issued = pki.issue_card(holder)
    eid_reader.insert(issued)
    account = make_account(first_name="marc", last_name="dubois")
    assert eid_platform.eid.needs_link(account)

    result = eid_platform.eid.link_local(account, pin=issued.pin)

    assert (result.first_names, result.surname, result.method) == ("Marc Henri", "Dubois", "local")
    assert result.applet == ("1.8" if kind == "ec" else "1.7") and result.revocation == "not_checked"
    assert result.recognitions_found == 2  # the example registers know this person as agent and syndic
    fresh = Account.get_by_id(account.id)
    assert fresh.eid_linked_at == eid_platform.clock.now() and not eid_platform.eid.needs_link(fresh)
    assert (fresh.first_name, fresh.last_name) == ("Marc Henri", "Dubois")  # names from the card
    assert AGENT_AND_SYNDIC not in bytes(fresh.national_number_encrypted).hex()
    assert fresh.national_number_hash != AGENT_AND_SYNDIC and len(fresh.national_number_hash) == 64
    assert eid_platform.eid.national_number(fresh) == AGENT_AND_SYNDIC
    profile = Profile.get(Profile.account == account.id)
    assert (profile.birth_date, profile.gender, profile.nationality) == (dt.date(1985, 7, 30), "M", "Belge")
    card = LinkedCard.get(LinkedCard.account == account.id)
    assert (card.zip_code, card.revocation, card.method) == (holder.zip_code, "not_checked", "local")
    assert listener.linked == [account.id]
    assert [e.outcome for e in audit.AuditEvent.select().where(audit.AuditEvent.action == "eid.linked")] == ["success"]
    assert AGENT_AND_SYNDIC not in all_audit_text() and AGENT_AND_SYNDIC not in caplog.text
    assert eid_platform.eid.status(account).linked


def test_profile_fields_from_the_card_become_read_only(eid_platform: Platform, eid_reader: EidStack, pkis: Pkis) -> None:
    from immo_connect.accounts.profile import ProfileUpdate

    issued = pkis.ec.issue_card()
    eid_reader.insert(issued)
    account = make_account(first_name="Typed", last_name="Name")
    organisation = make_organisation(make_account("boss"), name="Agence Tri")
    add_member(organisation, account)
    eid_platform.eid.link_local(account, pin=issued.pin)
    view = eid_platform.accounts.profile(account)
    assert "last_name" in view.read_only and view.last_name == issued.holder.surname
    # Employee lists sort by the card's names from now on.
    membership = Membership.get(Membership.account == account.id)
    assert membership.sort_name == sort_name(view.first_name, view.last_name, account.username)
    assert "typed" not in membership.sort_name
    update = ProfileUpdate.from_view(view)
    update.last_name = "Autre"
    with pytest.raises(ImmoConnectError) as caught:
        eid_platform.accounts.save_profile(account, update)
    assert caught.value.code == "eid_field_locked"


def _refusal(platform: Platform, account: Account, pin: str = "1234") -> ImmoConnectError:
    before = snapshot(account.id)
    with pytest.raises(ImmoConnectError) as caught:
        platform.eid.link_local(account, pin=pin)
    assert snapshot(account.id) == before, "a refused link changed the account"
    events = list(audit.AuditEvent.select().where(audit.AuditEvent.action == "eid.link"))
    assert events and events[-1].outcome in ("refused", "failed") and caught.value.code in events[-1].detail
    return caught.value


def test_wrong_pin_changes_nothing(eid_platform: Platform, eid_reader: EidStack, pkis: Pkis) -> None:
    issued = pkis.ec.issue_card()
    eid_reader.insert(issued)
    error = _refusal(eid_platform, make_account(), pin="9999")
    assert error.code == "eid.wrong_pin" and "9999" not in all_audit_text()


def test_pin_of_the_wrong_shape_is_refused_before_the_card(eid_platform: Platform, eid_reader: EidStack, pkis: Pkis) -> None:
    eid_reader.insert(pkis.ec.issue_card())
    account = make_account()
    with pytest.raises(ImmoConnectError) as caught:
        eid_platform.eid.link_local(account, pin="12a")
    assert caught.value.code == "eid.pin_format" and caught.value.field == "pin"


@pytest.mark.parametrize("corruption", ["identity", "address", "photo", "data_key", "root", "expired", "number",
                                        "truncated", "challenge_key"])
def test_every_corruption_is_refused_and_changes_nothing(
    eid_platform: Platform, eid_reader: EidStack, pkis: Pkis, corruption: str,
) -> None:
    pki = pkis.ec
    issued = pki.issue_card()
    key = None
    if corruption == "identity":
        data = bytearray(issued.file("4031"))
        data[data.index(issued.holder.surname.encode())] ^= 0x20  # "peeters"
        issued = issued.with_file("4031", bytes(data))
    elif corruption == "address":
        data = bytearray(issued.file("4033"))
        data[data.index(b"1000")] = ord("2")
        issued = issued.with_file("4033", bytes(data))
    elif corruption == "photo":
        issued = issued.with_file("4035", issued.file("4035")[:-1] + b"\x00")
    elif corruption == "data_key":
        issued = pki.issue_card(data_key=TestPki("ec", name="Forger").rrn_key)
    elif corruption == "root":
        issued = TestPki("ec", name="Unknown Root").issue_card()
    elif corruption == "expired":
        issued = pki.issue_card(auth_not_after=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    elif corruption == "number":
        issued = pki.issue_card(auth_national_number=national_number(dt.date(1990, 1, 1), 1))
    elif corruption == "truncated":
        issued = issued.with_file("4031", issued.file("4031")[:40])
    elif corruption == "challenge_key":
        key = TestPki("ec", name="Other keys").issue_card().auth_key  # the token signs with another key
    eid_reader.insert(issued, key=key)
    error = _refusal(eid_platform, make_account())
    expected = {"identity": "eid.altered", "address": "eid.altered", "photo": "eid.altered",
                "data_key": "eid.altered", "root": "eid.certificate", "expired": "eid.certificate",
                "number": "eid.number_mismatch", "truncated": "eid.malformed", "challenge_key": "eid.signature"}
    assert error.code == expected[corruption] and isinstance(error, EidError)
    assert error.message and error.hint
    assert issued.holder.national_number not in f"{error.message} {error.hint} {error.detail}"


def test_an_eid_already_linked_to_another_account(eid_platform: Platform, eid_reader: EidStack, pkis: Pkis) -> None:
    issued = pkis.ec.issue_card()
    eid_reader.insert(issued)
    first, second = make_account(), make_account()
    eid_platform.eid.link_local(first, pin=issued.pin)
    error = _refusal(eid_platform, second)
    assert error.code == "eid.linked_elsewhere"
    assert eid_platform.settings.platform.support_email in error.hint  # manual 3.3: contact support
    refusal = audit.AuditEvent.select().where(audit.AuditEvent.action == "eid.link").order_by(audit.AuditEvent.id.desc()).get()
    assert refusal.actor_id == second.id and refusal.outcome == "refused"
    assert issued.holder.national_number not in all_audit_text()


def test_relinking_the_same_card_refreshes_it_another_persons_card_is_refused(
    eid_platform: Platform, eid_reader: EidStack, pkis: Pkis,
) -> None:
    holder = Holder(surname="Lambert")
    first_card = pkis.ec.issue_card(holder)
    eid_reader.insert(first_card)
    account = make_account()
    eid_platform.eid.link_local(account, pin=first_card.pin)
    linked_at = Account.get_by_id(account.id).eid_linked_at
    eid_platform.clock.advance(days=30)  # type: ignore[attr-defined]
    renewed = pkis.rsa.issue_card(holder)  # a new card of the same person
    eid_reader.insert(renewed)
    assert eid_platform.eid.link_local(account, pin=renewed.pin).applet == "1.7"
    assert Account.get_by_id(account.id).eid_linked_at == linked_at
    eid_reader.insert(pkis.ec.issue_card(Holder(surname="Autre", national_number=national_number(dt.date(1970, 5, 5), 11))))
    assert _refusal(eid_platform, account).code == "eid.other_card"


def test_an_account_that_is_not_active_cannot_link(eid_platform: Platform, eid_reader: EidStack, pkis: Pkis) -> None:
    eid_reader.insert(pkis.ec.issue_card())
    account = make_account(status="pending")
    with pytest.raises(ImmoConnectError) as caught:
        eid_platform.eid.link_local(account, pin="1234")
    assert caught.value.code == "account_inactive"
    assert Account.get_by_id(account.id).eid_linked_at is None


def test_no_card_and_card_removed_change_nothing(eid_platform: Platform, eid_reader: EidStack, pkis: Pkis) -> None:
    account = make_account()
    assert _refusal(eid_platform, account).code == "eid.no_card"
    eid_reader.insert(pkis.ec.issue_card())
    eid_reader.bridge.remove_after(12)
    assert _refusal(eid_platform, account).code == "eid.card_removed"


def test_middleware_missing_is_a_configuration_message(make_platform: Callable[..., Platform], pkis: Pkis,
                                                       eid_reader: EidStack) -> None:
    platform = make_platform(config_text=pkis.config("/opt/nowhere/libbeidpkcs11.so.0"))
    eid_reader.insert(pkis.ec.issue_card(), token=False)
    with pytest.raises(ImmoConnectError) as caught:
        platform.eid.link_local(make_account(), pin="1234")
    assert caught.value.code == "eid.middleware" and "/opt/nowhere/libbeidpkcs11.so.0" in caught.value.message


def test_skip_is_audited_and_changes_nothing(eid_platform: Platform) -> None:
    account = make_account()
    before = snapshot(account.id)
    eid_platform.eid.skip(account)
    assert snapshot(account.id) == before
    assert audit.AuditEvent.select().where(audit.AuditEvent.action == "eid.link_skipped").count() == 1


def test_a_test_card_is_refused_by_a_platform_trusting_only_the_belgian_roots(
    make_platform: Callable[..., Platform], eid_reader: EidStack, pkis: Pkis,
) -> None:
    platform = make_platform(config_text=f'[eid]\npkcs11_module = "{eid_reader.module}"\n')
    eid_reader.insert(pkis.ec.issue_card())
    error = _refusal(platform, make_account())
    assert error.code == "eid.certificate"
    assert "autorité racine belge" in error.message  # French by default
    assert platform.settings.platform.support_email in error.hint


@pytest.mark.postgres
def test_linking_and_the_one_account_rule_on_postgresql(
    make_platform: Callable[..., Platform], pg_cluster: Any, eid_reader: EidStack, pkis: Pkis,
) -> None:
    platform = make_platform(pg_cluster.create_database(), config_text=pkis.config(eid_reader.module))
    issued = pkis.rsa.issue_card()
    eid_reader.insert(issued)
    first, second = make_account(), make_account()
    assert platform.eid.link_local(first, pin=issued.pin).applet == "1.7"
    assert platform.eid.national_number(first) == issued.holder.national_number
    assert _refusal(platform, second).code == "eid.linked_elsewhere"


def test_pinpad_chosen_on_a_reader_without_keypad(eid_platform: Platform, eid_reader: EidStack, pkis: Pkis) -> None:
    eid_reader.insert(pkis.ec.issue_card())
    account = make_account()
    with pytest.raises(ImmoConnectError) as caught:
        eid_platform.eid.link_local(account, pin=None)  # "my reader has its own keypad"
    assert caught.value.code == "eid.no_pinpad" and caught.value.field == "pin"
    assert Account.get_by_id(account.id).eid_linked_at is None
