"""Authorization matrix: tool start and tool access management, for every role."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from immo_connect import audit
from immo_connect.errors import PermissionDenied, ValidationError
from immo_connect.organisations.models import Membership
from immo_connect.platform import Platform
from immo_connect.recognitions.models import Recognition
from immo_connect.storage import transaction
from immo_connect.tools import BLOCKED, NO_USER, role_choice
from immo_connect.tools.models import ToolAccess
from tests.support.tools import (
    OTHER_AGENT,
    REGISSEUR,
    Agency,
    MakePlatform,
    make_agency,
    register_cadastrefinder,
    registers_config,
)

TERMS = "2016-1"


@pytest.fixture
def platform(make_platform: MakePlatform) -> Platform:
    return make_platform(config_text=registers_config())


@pytest.fixture
def agency(platform: Platform) -> Agency:
    agency = make_agency(platform)
    register_cadastrefinder(platform, agency)
    return agency


def grant(platform: Platform, agency: Agency, account_id: int, choice: str) -> None:
    platform.tools.save_access(agency.manager, agency.organisation.id, "cadastrefinder", "agent", {account_id: choice})


def accept(platform: Platform, account_id: int) -> None:
    platform.tools.accept_terms(account_id, "cadastrefinder", TERMS)


# Each case prepares the scene and names who starts the tool; None = allowed, else the refusal code.
Scene = Callable[[Platform, Agency], int]


def _manager(p: Platform, a: Agency) -> int:
    return a.manager.id


def _agent_with_role(p: Platform, a: Agency) -> int:
    grant(p, a, a.agent.id, role_choice("agent"))
    accept(p, a.agent.id)
    return a.agent.id


def _agent_without_terms(p: Platform, a: Agency) -> int:
    grant(p, a, a.agent.id, role_choice("agent"))
    return a.agent.id


def _assistant(p: Platform, a: Agency) -> int:
    grant(p, a, a.employee.id, role_choice("assistant"))
    accept(p, a.employee.id)
    return a.employee.id


def _employee_no_user(p: Platform, a: Agency) -> int:
    accept(p, a.employee.id)
    return a.employee.id


def _employee_blocked(p: Platform, a: Agency) -> int:
    grant(p, a, a.employee.id, BLOCKED)
    accept(p, a.employee.id)
    return a.employee.id


def _role_without_recognition(p: Platform, a: Agency) -> int:
    # A role that needs a recognition, held by someone without one (e.g. it was withdrawn).
    grant(p, a, a.agent.id, role_choice("agent"))
    accept(p, a.agent.id)
    with transaction():
        Recognition.update(status="withdrawn").where(Recognition.account == a.agent.id).execute()
    return a.agent.id


def _pending_member(p: Platform, a: Agency) -> int:
    grant(p, a, a.pending.id, role_choice("assistant"))  # granted in advance, at confirmation
    accept(p, a.pending.id)
    return a.pending.id


def _blocked_member(p: Platform, a: Agency) -> int:
    grant(p, a, a.blocked.id, role_choice("assistant"))
    accept(p, a.blocked.id)
    return a.blocked.id


def _outsider(p: Platform, a: Agency) -> int:
    accept(p, a.outsider.id)
    return a.outsider.id


def _mandate_withdrawn(p: Platform, a: Agency) -> int:
    _assistant(p, a)
    with transaction():
        Recognition.update(status="withdrawn").where(
            Recognition.account == a.manager.id, Recognition.identifier == "ipi.agent").execute()
    return a.employee.id


def _mandate_holder_left(p: Platform, a: Agency) -> int:
    _assistant(p, a)
    with transaction():
        Membership.update(status="blocked").where(Membership.account == a.manager.id).execute()
    return a.employee.id


START_MATRIX: list[tuple[str, Scene, str | None]] = [
    ("manager who registered", _manager, None),
    ("recognised employee with a role", _agent_with_role, None),
    ("assistant under the mandate", _assistant, None),
    ("role but terms not accepted", _agent_without_terms, "terms_not_accepted"),
    ("employee without access", _employee_no_user, "no_access"),
    ("employee with blocked access", _employee_blocked, "access_blocked"),
    ("role whose recognition is gone", _role_without_recognition, "recognition_invalid"),
    ("pending member", _pending_member, "not_member"),
    ("blocked member", _blocked_member, "not_member"),
    ("outsider", _outsider, "not_member"),
    ("mandated recognition withdrawn", _mandate_withdrawn, "mandate_invalid"),
    ("mandate holder no longer a member", _mandate_holder_left, "mandate_invalid"),
]


@pytest.mark.parametrize(("case", "scene", "refusal"), START_MATRIX, ids=[c[0] for c in START_MATRIX])
def test_tool_start(platform: Platform, agency: Agency, case: str, scene: Scene, refusal: str | None) -> None:
    account_id = scene(platform, agency)
    qualities = platform.tools.qualities(account_id, "cadastrefinder")
    if refusal is None:
        context = platform.tools.start(account_id, "cadastrefinder", agency.organisation.id, "agent")
        assert (context.account_id, context.organisation_id, context.mode) == (account_id, agency.organisation.id, "agent")
        assert [(q.organisation_id, q.mode) for q in qualities] == [(agency.organisation.id, "agent")]
        (event,) = audit.query(audit.AuditFilter(action="tool.started"))
        assert event.actor_id == account_id and event.outcome == "success"
        return
    with pytest.raises(PermissionDenied) as caught:
        platform.tools.start(account_id, "cadastrefinder", agency.organisation.id, "agent")
    assert caught.value.code == refusal
    refused = list(audit.query(audit.AuditFilter(action="tool.start", outcome="refused")))
    assert refused and refused[0].actor_id == account_id and f'"reason": "{refusal}"' in refused[0].detail
    if refusal != "terms_not_accepted":  # terms are asked at start: the quality is still offered
        assert qualities == []


def test_start_in_a_mode_that_is_not_registered(platform: Platform, agency: Agency) -> None:
    with pytest.raises(PermissionDenied) as caught:
        platform.tools.start(agency.manager, "cadastrefinder", agency.organisation.id, "notary")
    assert caught.value.code == "not_registered"


def test_a_revoked_right_applies_to_an_open_context(platform: Platform, agency: Agency) -> None:
    _assistant(platform, agency)
    context = platform.tools.start(agency.employee, "cadastrefinder", agency.organisation.id, "agent")
    assert platform.tools.authorize(context).role == "assistant"
    grant(platform, agency, agency.employee.id, BLOCKED)  # another session, another manager click
    with pytest.raises(PermissionDenied) as caught:
        platform.tools.authorize(context)
    assert caught.value.code == "access_blocked"
    with pytest.raises(PermissionDenied):
        platform.tools.start(agency.employee, "cadastrefinder", agency.organisation.id, "agent")


# -- access management -----------------------------------------------------------------------

MANAGEMENT_ACTORS = [("manager", None), ("agent", "not_manager"), ("employee", "not_manager"),
                     ("pending", "not_member"), ("blocked", "not_member"), ("outsider", "not_member")]


@pytest.mark.parametrize(("who", "refusal"), MANAGEMENT_ACTORS)
def test_access_sheet(platform: Platform, agency: Agency, who: str, refusal: str | None) -> None:
    actor = getattr(agency, who)
    if refusal is None:
        sheet = platform.tools.access_sheet(actor, agency.organisation.id, "cadastrefinder", "agent")
        assert {e.account_id for e in sheet.employees} >= {agency.employee.id, agency.agent.id}
        return
    with pytest.raises(PermissionDenied) as caught:
        platform.tools.access_sheet(actor, agency.organisation.id, "cadastrefinder", "agent")
    assert caught.value.code == refusal


@pytest.mark.parametrize(("who", "refusal"), MANAGEMENT_ACTORS)
def test_save_access(platform: Platform, agency: Agency, who: str, refusal: str | None) -> None:
    actor = getattr(agency, who)
    change = {agency.employee.id: role_choice("assistant")}
    if refusal is None:
        sheet = platform.tools.save_access(actor, agency.organisation.id, "cadastrefinder", "agent", change)
        row = next(e for e in sheet.employees if e.account_id == agency.employee.id)
        assert (row.choice, row.status) == (role_choice("assistant"), "role")
        (event,) = audit.query(audit.AuditFilter(action="tool.access_changed"))
        assert event.actor_id == actor.id
        return
    with pytest.raises(PermissionDenied) as caught:
        platform.tools.save_access(actor, agency.organisation.id, "cadastrefinder", "agent", change)
    assert caught.value.code == refusal
    assert not ToolAccess.select().where(ToolAccess.account == agency.employee.id).exists()
    (event,) = audit.query(audit.AuditFilter(action="tool.access", outcome="refused"))
    assert event.actor_id == actor.id


@pytest.mark.parametrize(("who", "refusal"), MANAGEMENT_ACTORS)
def test_switch_mandated_recognition(platform: Platform, agency: Agency, who: str, refusal: str | None) -> None:
    sheet = platform.tools.access_sheet(agency.manager, agency.organisation.id, "cadastrefinder", "agent")
    other = next(o for o in sheet.mandate_options if o.holder_id == agency.agent.id)
    actor = getattr(agency, who)
    if refusal is None:
        sheet = platform.tools.save_access(actor, agency.organisation.id, "cadastrefinder", "agent", {},
                                           mandated_recognition_id=other.recognition_id)
        assert sheet.mandate is not None and sheet.mandate.holder_id == agency.agent.id and sheet.mandate.valid
        return
    with pytest.raises(PermissionDenied) as caught:
        platform.tools.save_access(actor, agency.organisation.id, "cadastrefinder", "agent", {},
                                   mandated_recognition_id=other.recognition_id)
    assert caught.value.code == refusal


@pytest.mark.parametrize(("who", "refusal"), MANAGEMENT_ACTORS)
def test_employee_tools_at_confirmation(platform: Platform, agency: Agency, who: str, refusal: str | None) -> None:
    actor = getattr(agency, who)
    choices = {("cadastrefinder", "agent"): role_choice("assistant")}
    if refusal is None:
        rows = platform.tools.save_employee_tools(actor, agency.organisation.id, agency.pending.id, choices)
        assert [r.access.choice for r in rows] == [role_choice("assistant")]
        return
    with pytest.raises(PermissionDenied) as caught:
        platform.tools.save_employee_tools(actor, agency.organisation.id, agency.pending.id, choices)
    assert caught.value.code == refusal


def test_an_employee_without_recognition_shows_invalid_and_cannot_get_a_recognised_role(platform: Platform, agency: Agency) -> None:
    sheet = platform.tools.access_sheet(agency.manager, agency.organisation.id, "cadastrefinder", "agent")
    employee = next(e for e in sheet.employees if e.account_id == agency.employee.id)
    assert not employee.holds_recognition
    assert [r.id for r in employee.available_roles] == ["assistant"]
    with pytest.raises(ValidationError) as caught:
        grant(platform, agency, agency.employee.id, role_choice("agent"))
    assert caught.value.code == "recognition_invalid" and caught.value.field == f"access-{agency.employee.id}"
    # a mode whose roles all need a recognition shows "invalid recognitions" at once
    platform.tools.register(agency.manager, agency.organisation.id, "btv", "agent")
    sheet = platform.tools.access_sheet(agency.manager, agency.organisation.id, "btv", "agent")
    assert next(e for e in sheet.employees if e.account_id == agency.employee.id).status == "invalid_recognitions"


def test_nothing_is_saved_when_one_change_is_invalid(platform: Platform, agency: Agency) -> None:
    with pytest.raises(ValidationError):
        platform.tools.save_access(agency.manager, agency.organisation.id, "cadastrefinder", "agent", {
            agency.agent.id: role_choice("agent"), agency.employee.id: role_choice("agent"),
        })
    assert not ToolAccess.select().where(ToolAccess.account.in_([agency.agent.id, agency.employee.id])).exists()


def test_blocking_then_no_user(platform: Platform, agency: Agency) -> None:
    grant(platform, agency, agency.agent.id, BLOCKED)
    sheet = platform.tools.access_sheet(agency.manager, agency.organisation.id, "cadastrefinder", "agent")
    assert next(e for e in sheet.employees if e.account_id == agency.agent.id).status == "blocked"
    grant(platform, agency, agency.agent.id, NO_USER)
    assert not ToolAccess.select().where(ToolAccess.account == agency.agent.id).exists()


def test_the_mandate_cannot_be_an_invalid_or_foreign_recognition(platform: Platform, agency: Agency) -> None:
    other = make_agency(platform, "Autre Agence", manager_number=OTHER_AGENT, agent_number=REGISSEUR)
    foreign = Recognition.get(Recognition.account == other.manager.id, Recognition.identifier == "ipi.agent")
    syndic = Recognition.get(Recognition.account == agency.manager.id, Recognition.identifier == "ipi.syndic")
    for recognition in (foreign, syndic):  # another organisation's person; a kind the mode does not accept
        with pytest.raises(ValidationError) as caught:
            platform.tools.save_access(agency.manager, agency.organisation.id, "cadastrefinder", "agent", {},
                                       mandated_recognition_id=recognition.id)
        assert caught.value.code == "mandate_invalid"
