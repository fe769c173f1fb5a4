"""Organisation services on SQLite and PostgreSQL: flows, rules, mails, events, paging."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from immo_connect import audit
from immo_connect.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from immo_connect.hookspecs import hookimpl
from immo_connect.mail.models import OutboxMessage
from immo_connect.organisations.data import AddressData
from immo_connect.organisations.models import (
    Membership,
    Organisation,
    OrganisationAddress,
)
from immo_connect.platform import Platform
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.organisations import employee_data, organisation_data

NUMBER = "0403.019.261"


class Recorder:
    """A plugin that writes down the organisation events it is told about."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    @hookimpl
    def immo_connect_organisation_created(self, organisation: Any, actor: Any) -> None:
        self.events.append(("created", organisation.name))

    @hookimpl
    def immo_connect_membership_requested(self, membership: Any) -> None:
        self.events.append(("requested", membership.id))

    @hookimpl
    def immo_connect_membership_confirmed(self, membership: Any, actor: Any) -> None:
        self.events.append(("confirmed", membership.id))

    @hookimpl
    def immo_connect_membership_blocked(self, membership: Any, actor: Any) -> None:
        self.events.append(("blocked", membership.id))

    @hookimpl
    def immo_connect_membership_removed(self, membership: Any, actor: Any) -> None:
        self.events.append(("removed", membership.id))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def plat(make_platform: Callable[..., Platform], database_url: str, recorder: Recorder) -> Platform:
    return make_platform(database_url, extra_plugins={"recorder": recorder})


def _mails(template: str) -> list[OutboxMessage]:
    return list(OutboxMessage.select().where(OutboxMessage.template == template).order_by(OutboxMessage.id))


def test_create_join_confirm_block_activate_remove(plat: Platform, recorder: Recorder) -> None:
    service = plat.organisations
    alice = make_account("alice", first_name="Alice", last_name="Dumont")
    bob = make_account("bob", first_name="Bob", last_name="Lambert", language="en")

    assert service.lookup(alice, NUMBER).found is False
    org = service.create(alice, organisation_data(), employee_data("Gérante"), enterprise_number="BE 0403019261")
    assert org.enterprise_number == "0403019261"
    assert org.address == "Rue Royale 12, 1000 Bruxelles"
    mine = Membership.get(Membership.account == alice.id)
    assert (mine.status, mine.is_manager, mine.function) == ("active", True, "Gérante")

    found = service.lookup(bob, "0403 019 261")
    assert (found.found, found.organisation_id, found.my_status) == (True, org.id, None)
    joined = service.request_to_join(bob, NUMBER, employee_data("Agent"))
    assert joined.manager_names == ("Alice Dumont",)
    [request_mail] = _mails("membership_requested")
    assert request_mail.recipient == "alice@example.be"
    assert "Bob Lambert" in request_mail.subject
    # pending: listed (dimmed in the screen) but unusable
    [summary] = service.organisations_of(bob)
    assert (summary.status, summary.usable, summary.is_manager) == ("pending", False, False)
    with pytest.raises(PermissionDenied):
        service.require_member(bob, org.id)
    assert service.organisations_of(alice)[0].pending_requests == 1

    row = service.confirm(alice, org.id, joined.membership_id,
                          employee=employee_data("Agent senior", employee_type="self_employed"),
                          tool_access={"biv-register": "agent", "immo-docs": "none"})
    assert (row.status, row.function, row.employee_type) == ("active", "Agent senior", "self_employed")
    assert row.tool_access == {"biv-register": "agent"}
    assert service.require_member(bob, org.id).id == joined.membership_id
    [confirmed_mail] = _mails("membership_confirmed")
    assert confirmed_mail.recipient == "bob@example.be" and confirmed_mail.language == "en"

    assert service.block(alice, org.id, joined.membership_id).status == "blocked"
    assert _mails("membership_blocked")[0].recipient == "bob@example.be"
    with pytest.raises(PermissionDenied):
        service.require_member(bob, org.id)
    assert service.activate(alice, org.id, joined.membership_id).status == "active"
    assert len(_mails("membership_confirmed")) == 2
    service.remove(alice, org.id, joined.membership_id)
    assert service.organisations_of(bob) == []

    assert recorder.events == [
        ("created", "Agence du Parc"), ("requested", joined.membership_id),
        ("confirmed", joined.membership_id), ("blocked", joined.membership_id),
        ("confirmed", joined.membership_id), ("removed", joined.membership_id),
    ]
    actions = [e.action for e in audit.AuditEvent.select().where(audit.AuditEvent.organisation_id == org.id)
               .order_by(audit.AuditEvent.id)]
    assert [a for a in actions if a != "org.access"] == [
        "org.created", "org.join_requested", "org.employee.confirmed", "org.employee.blocked",
        "org.employee.activated", "org.employee.removed",
    ]


def test_last_manager_rule(plat: Platform, recorder: Recorder) -> None:
    service = plat.organisations
    alice = make_account("alice")
    org = make_organisation(alice)
    own = Membership.get(Membership.account == alice.id)
    for attempt in (lambda: service.block(alice, org.id, own.id),
                    lambda: service.remove(alice, org.id, own.id),
                    lambda: service.set_manager(alice, org.id, own.id, False)):
        with pytest.raises(ConflictError) as caught:
            attempt()
        assert caught.value.code == "last_manager"
    assert Membership.get_by_id(own.id).is_active_manager
    # a second active manager lets the first one step down
    carol = make_account("carol")
    second = add_member(org, carol)
    service.set_manager(alice, org.id, second.id, True)
    assert service.set_manager(alice, org.id, own.id, False).is_manager is False
    with pytest.raises(ConflictError):
        service.block(carol, org.id, second.id)  # now carol is the last one
    with pytest.raises(PermissionDenied):
        service.block(alice, org.id, second.id)  # alice is no longer a manager
    assert not any(e[0] == "blocked" for e in recorder.events)


def test_a_blocked_manager_does_not_count_as_manager(plat: Platform) -> None:
    service = plat.organisations
    alice, dan = make_account("alice"), make_account("dan")
    org = make_organisation(alice)
    blocked_manager = add_member(org, dan, status="blocked", is_manager=True)
    own = Membership.get(Membership.account == alice.id)
    with pytest.raises(ConflictError):
        service.remove(alice, org.id, own.id)
    with pytest.raises(PermissionDenied):
        service.list_employees(dan, org.id)
    service.remove(alice, org.id, blocked_manager.id)


def test_bad_input_changes_nothing(plat: Platform, english: None) -> None:
    service = plat.organisations
    alice = make_account("alice")
    cases: list[tuple[Any, str]] = [
        (organisation_data(name=" "), "name"),
        (organisation_data(legal_form="plc"), "legal_form"),
        (organisation_data(addresses=()), "address.street"),
        (organisation_data(addresses=(AddressData("Rue", "1", "100", "Bxl"),)), "address.postal_code"),
        (organisation_data(email="nope"), "email"),
        (organisation_data(phone="12"), "phone"),
        (organisation_data(website="www"), "website"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as caught:
            service.create(alice, data, employee_data(), enterprise_number=NUMBER)
        assert caught.value.field == field and caught.value.hint
    with pytest.raises(ValidationError) as caught:
        service.create(alice, organisation_data(), employee_data(function=""), enterprise_number=NUMBER)
    assert caught.value.field == "function"
    with pytest.raises(ValidationError) as caught:
        service.create(alice, organisation_data(), employee_data(), enterprise_number="0403.019.262")
    assert caught.value.code == "enterprise_number_checksum"
    assert Organisation.select().count() == 0 and Membership.select().count() == 0

    org = service.create(alice, organisation_data(), employee_data(), enterprise_number=NUMBER)
    with pytest.raises(ConflictError) as duplicate:
        service.create(alice, organisation_data("Other"), employee_data(), enterprise_number=NUMBER)
    assert duplicate.value.code == "organisation_exists"
    with pytest.raises(ValidationError):
        service.update(alice, org.id, organisation_data(email="bad"))
    assert Organisation.get_by_id(org.id).email == "info@agence-du-parc.be"
    with pytest.raises(ValidationError):
        service.list_employees(alice, org.id, status="gone")
    with pytest.raises(ValidationError):
        service.confirm(alice, org.id, 1, tool_access={"tool": ""})


def test_join_request_states(plat: Platform) -> None:
    service = plat.organisations
    alice, bob = make_account("alice"), make_account("bob")
    org = make_organisation(alice, enterprise_number="0403019261")
    with pytest.raises(ConflictError) as not_there:
        service.request_to_join(bob, "0428.759.497", employee_data())
    assert not_there.value.code == "organisation_not_found"
    joined = service.request_to_join(bob, NUMBER, employee_data())
    with pytest.raises(ConflictError) as again:
        service.request_to_join(bob, NUMBER, employee_data())
    assert again.value.code == "already_requested"
    with pytest.raises(ConflictError) as member:
        service.request_to_join(alice, NUMBER, employee_data())
    assert member.value.code == "already_member"
    service.block(alice, org.id, joined.membership_id)
    with pytest.raises(PermissionDenied):
        service.request_to_join(bob, NUMBER, employee_data())
    with pytest.raises(ConflictError):
        service.confirm(alice, org.id, joined.membership_id)  # blocked: use activate
    with pytest.raises(ConflictError):
        service.activate(alice, org.id, Membership.get(Membership.account == alice.id).id)


def test_every_manager_is_mailed_and_named(plat: Platform) -> None:
    service = plat.organisations
    alice, carol = make_account("alice", last_name="Aerts"), make_account("carol", last_name="Claes")
    org = make_organisation(alice, enterprise_number="0403019261")
    add_member(org, carol, is_manager=True)
    add_member(org, make_account("eve"), status="blocked", is_manager=True)
    result = service.request_to_join(make_account("bob"), NUMBER, employee_data())
    assert result.manager_names == ("Anne Aerts", "Anne Claes")
    assert sorted(m.recipient for m in _mails("membership_requested")) == [
        "alice@example.be", "carol@example.be"]


def test_employee_list_pages_filters_and_orders(plat: Platform) -> None:
    service = plat.organisations
    alice = make_account("alice", last_name="Aaron")
    org = make_organisation(alice)
    names = ["Émile", "emma", "Zoé", "Yves", "Louis"]
    for i in range(118):
        add_member(org, make_account(f"e{i:03d}", last_name=f"{names[i % 5]}{i:03d}"),
                   status=("pending", "active", "blocked")[i % 3])
    seen: list[str] = []
    cursor = None
    while True:
        page = service.list_employees(alice, org.id, after=cursor, limit=50)
        seen += [r.sort_name for r in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == 119 == len(set(seen))
    assert seen == sorted(seen)
    emi = service.list_employees(alice, org.id, name="EMI", limit=200).rows
    assert emi and all(r.sort_name.startswith("emile") for r in emi)
    blocked = service.list_employees(alice, org.id, status="blocked", name="zoe", limit=200).rows
    assert blocked and {r.status for r in blocked} == {"blocked"}
    assert all("zoe" in r.sort_name for r in blocked)
    assert service.pending_count(alice, org.id) == 40


def test_organisation_data_and_images(plat: Platform) -> None:
    service = plat.organisations
    alice = make_account("alice")
    org = service.create(alice, organisation_data(), employee_data(), enterprise_number=NUMBER)
    branch = AddressData("Avenue Louise", "200", "1050", "Ixelles", box="3", kind="branch")
    office = AddressData("Meir", "1", "2000", "Antwerpen")
    view = service.update(alice, org.id, organisation_data(
        "Agence du Parc & Fils", addresses=(office, branch), linkedin="https://linkedin.com/company/x"))
    assert view.data.addresses == (office, branch)
    assert view.data.linkedin == "https://linkedin.com/company/x"
    assert Organisation.get_by_id(org.id).address == "Meir 1, 2000 Antwerpen"
    assert OrganisationAddress.select().count() == 2

    picture = io.BytesIO()
    Image.new("RGB", (900, 400), (10, 120, 200)).save(picture, "JPEG")
    service.set_image(alice, org.id, "logo", picture.getvalue())
    service.set_image(alice, org.id, "cover", picture.getvalue(), crop=(0.0, 0.0, 1.0, 0.5))
    logo = Image.open(io.BytesIO(service.image(alice, org.id, "logo") or b""))
    cover = Image.open(io.BytesIO(service.image(alice, org.id, "cover") or b""))
    assert (logo.format, logo.size) == ("PNG", (512, 512))
    assert (cover.format, cover.size) == ("JPEG", (1500, 500))
    with pytest.raises(ValidationError) as caught:
        service.set_image(alice, org.id, "logo", b"not an image")
    assert caught.value.code == "image_unreadable"
    assert service.view(alice, org.id).has_logo
    service.remove_image(alice, org.id, "logo")
    assert service.image(alice, org.id, "logo") is None


def test_add_an_existing_account(plat: Platform, recorder: Recorder) -> None:
    service = plat.organisations
    alice = make_account("alice")
    org = make_organisation(alice)
    make_account("frank", email="frank@immo.be", first_name="Frank", last_name="Maes")
    profile = service.find_account(alice, org.id, "FRANK@immo.be")
    assert (profile.name, profile.username, profile.already_member) == ("Frank Maes", "frank", None)
    row = service.add_existing(alice, org.id, "frank", employee_data("Stagiaire", employee_type="trainee"),
                               is_manager=True)
    assert (row.status, row.is_manager, row.employee_type) == ("active", True, "trainee")
    assert service.find_account(alice, org.id, "frank").already_member == "active"
    with pytest.raises(ConflictError):
        service.add_existing(alice, org.id, "frank", employee_data())
    with pytest.raises(NotFoundError):
        service.find_account(alice, org.id, "nobody@immo.be")
    make_account("ghost", status="pending")
    with pytest.raises(NotFoundError):
        service.add_existing(alice, org.id, "ghost", employee_data())
    assert _mails("membership_confirmed")[0].recipient == "frank@immo.be"
    assert recorder.events[-1] == ("confirmed", row.membership_id)


def test_edit_employee_and_rename_keeps_order(plat: Platform) -> None:
    from immo_connect.accounts.models import Account

    service = plat.organisations
    alice = make_account("alice", last_name="Aerts")
    org = make_organisation(alice)
    bob = make_account("bob", last_name="Zeeman")
    member = add_member(org, bob)
    row = service.update_employee(alice, org.id, member.id, employee_data("Comptable", work_mobile="0470 12 34 56"))
    assert (row.function, row.work_mobile) == ("Comptable", "0470 12 34 56")
    Account.update(last_name="Abbas").where(Account.id == bob.id).execute()
    service.organisations_of(bob)  # the next visit re-sorts the renamed account
    first = service.list_employees(alice, org.id).rows[0]
    assert first.username == "bob"


def test_refused_change_fires_no_event_and_sends_no_mail(plat: Platform, recorder: Recorder) -> None:
    service = plat.organisations
    alice, mallory = make_account("alice"), make_account("mallory")
    org = make_organisation(alice)
    member = add_member(org, make_account("bob"))
    add_member(org, mallory)
    with pytest.raises(PermissionDenied):
        service.block(mallory, org.id, member.id)
    assert recorder.events == [] and OutboxMessage.select().count() == 0
    assert Membership.get_by_id(member.id).status == "active"


def test_demo_seed_is_idempotent_and_has_every_state(platform: Platform) -> None:
    from immo_connect import demo
    from immo_connect.organisations import demo as organisation_demo

    if "immo_connect.accounts.demo" in demo.STEPS:
        import importlib

        importlib.import_module("immo_connect.accounts.demo").seed(platform)
    else:  # pragma: no cover - the accounts step provides these accounts
        for username in ("anne.peeters", "marc.dubois", "sophie.janssens", "jdupont"):
            make_account(username)
    first = organisation_demo.seed(platform)
    again = organisation_demo.seed(platform)
    assert first == again and len(first) == 2
    assert {m.status for m in Membership.select()} == {"pending", "active", "blocked"}
    assert Organisation.select().count() == 2
    anne = platform.organisations.organisations_of(
        Membership.select().join(Organisation).where(Organisation.enterprise_number == "0750000040")
        .order_by(Membership.id).first().account_id)
    assert any(s.is_manager and s.pending_requests == 1 for s in anne)


def test_two_managers_demoting_each_other_at_once_leave_one(plat: Platform) -> None:
    """The last-manager rule under concurrency: the organisation row is locked per change."""
    import threading

    from immo_connect.errors import ImmoConnectError
    from immo_connect.storage import database

    service = plat.organisations
    alice, bob = make_account("alice"), make_account("bob")
    org = make_organisation(alice)
    own = Membership.get(Membership.account == alice.id)
    other = add_member(org, bob, is_manager=True)
    database.close()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def revoke(actor: Any, target: Membership) -> None:
        barrier.wait()
        try:
            service.set_manager(actor, org.id, target.id, False)
            outcomes.append("done")
        except ImmoConnectError as error:
            outcomes.append(error.code)
        finally:
            if not database.is_closed():
                database.close()

    threads = [threading.Thread(target=revoke, args=(alice, other)),
               threading.Thread(target=revoke, args=(bob, own))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["done", "forbidden"]
    managers = Membership.select().where((Membership.organisation == org.id) & (Membership.is_manager == True))
    assert managers.count() == 1
