"""Registering a tool for an organisation: recognition check, terms, mandated recognition."""

from __future__ import annotations

import pytest

from immo_connect import audit
from immo_connect.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from immo_connect.platform import Platform
from immo_connect.tools import NO_USER, role_choice
from immo_connect.tools.models import TermsAcceptance, ToolAccess, ToolRegistration
from tests.support.tools import Agency, MakePlatform, make_agency, registers_config


@pytest.fixture
def platform(make_platform: MakePlatform) -> Platform:
    return make_platform(config_text=registers_config())


@pytest.fixture
def agency(platform: Platform) -> Agency:
    return make_agency(platform)


def test_the_catalogue_lists_the_eight_tools(platform: Platform) -> None:
    names = [tool.name for tool in platform.tools.catalogue()]
    assert sorted(names) == ["antiblanchiment", "bizmart", "btv", "cadastrefinder", "cibweb", "covast", "myrentpro", "romi"]
    cadastre = platform.tools.tool("cadastrefinder")
    assert cadastre.price("search") is not None and cadastre.terms is not None
    assert [mode.id for mode in cadastre.modes] == ["agent", "surveyor", "notary"]


def test_recognition_check_marks_each_requirement(platform: Platform, agency: Agency) -> None:
    check = platform.tools.check_registration(agency.manager, agency.organisation.id, "myrentpro", "manager")
    assert [(r.identifier, r.met) for r in check.requirements] == [("ipi.agent", True), ("ipi.regisseur", False)]
    assert check.qualifies and not check.already_registered
    check = platform.tools.check_registration(agency.employee, agency.organisation.id, "cadastrefinder", "agent")
    assert not check.qualifies and check.terms is not None and not check.terms_accepted


def test_register_sets_the_mandate_and_gives_the_registrant_a_role(platform: Platform, agency: Agency) -> None:
    terms = platform.tools.tool("cadastrefinder").terms
    assert terms is not None
    registration_id = platform.tools.register(
        agency.manager, agency.organisation.id, "cadastrefinder", "agent", terms_version=terms.version,
    )
    registration = ToolRegistration.get_by_id(registration_id)
    assert registration.mandated_recognition.identifier == "ipi.agent"
    assert registration.mandated_recognition.account_id == agency.manager.id
    access = ToolAccess.get(ToolAccess.registration == registration_id)
    assert (access.account_id, access.state, access.role) == (agency.manager.id, "granted", "agent")
    assert TermsAcceptance.select().where(TermsAcceptance.account == agency.manager.id,
                                          TermsAcceptance.version == terms.version).exists()
    (event,) = audit.query(audit.AuditFilter(action="tool.registered"))
    assert event.organisation_id == agency.organisation.id and event.target == "tool:cadastrefinder/agent"


def test_terms_must_be_accepted_in_their_current_version(platform: Platform, agency: Agency) -> None:
    for version in (None, "2015-1"):
        with pytest.raises(ValidationError) as caught:
            platform.tools.register(agency.manager, agency.organisation.id, "cadastrefinder", "agent", terms_version=version)
        assert caught.value.code == "terms_not_accepted"
    assert ToolRegistration.select().count() == 0


def test_a_tool_without_terms_registers_directly(platform: Platform, agency: Agency) -> None:
    platform.tools.register(agency.agent, agency.organisation.id, "bizmart", "agent")
    overview = {o.tool.name: o for o in platform.tools.overview(agency.agent, agency.organisation.id)}
    assert overview["bizmart"].registered_modes == ("agent",) and overview["bizmart"].usable_modes == ("agent",)
    assert not overview["cadastrefinder"].registered


def test_without_the_recognition_registration_is_refused_and_audited(platform: Platform, agency: Agency) -> None:
    with pytest.raises(PermissionDenied) as caught:
        platform.tools.register(agency.employee, agency.organisation.id, "bizmart", "agent")
    assert caught.value.code == "recognition_missing"
    (event,) = audit.query(audit.AuditFilter(action="tool.register", outcome="refused"))
    assert event.actor_id == agency.employee.id
    assert ToolRegistration.select().count() == 0


def test_a_recognition_of_another_kind_does_not_qualify(platform: Platform, agency: Agency) -> None:
    with pytest.raises(PermissionDenied):
        platform.tools.register(agency.manager, agency.organisation.id, "covast", "notary", terms_version="2023-1")


@pytest.mark.parametrize("who", ["pending", "blocked", "outsider"])
def test_only_active_members_register(platform: Platform, agency: Agency, who: str) -> None:
    with pytest.raises(PermissionDenied) as caught:
        platform.tools.register(getattr(agency, who), agency.organisation.id, "bizmart", "agent")
    assert caught.value.code == "not_member"


def test_a_mode_registers_once(platform: Platform, agency: Agency) -> None:
    platform.tools.register(agency.manager, agency.organisation.id, "bizmart", "agent")
    with pytest.raises(ConflictError):
        platform.tools.register(agency.agent, agency.organisation.id, "bizmart", "agent")


def test_unknown_tool_or_mode(platform: Platform, agency: Agency) -> None:
    with pytest.raises(NotFoundError):
        platform.tools.register(agency.manager, agency.organisation.id, "nosuchtool", "agent")
    with pytest.raises(NotFoundError):
        platform.tools.register(agency.manager, agency.organisation.id, "bizmart", "nosuchmode")


def test_the_registrant_can_choose_which_recognition_is_mandated(platform: Platform, agency: Agency) -> None:
    check = platform.tools.check_registration(agency.manager, agency.organisation.id, "cibweb", "member")
    syndic = next(r for r in check.requirements if r.identifier == "ipi.syndic")
    assert syndic.met and syndic.recognition_id is not None
    registration_id = platform.tools.register(
        agency.manager, agency.organisation.id, "cibweb", "member", recognition_id=syndic.recognition_id,
    )
    assert ToolRegistration.get_by_id(registration_id).mandated_recognition.identifier == "ipi.syndic"


def test_employee_tools_lists_every_registered_mode(platform: Platform, agency: Agency) -> None:
    platform.tools.register(agency.manager, agency.organisation.id, "bizmart", "agent")
    platform.tools.register(agency.manager, agency.organisation.id, "cibweb", "member")
    rows = platform.tools.employee_tools(agency.manager, agency.organisation.id, agency.pending.id)
    assert [(r.tool, r.mode, r.access.choice) for r in rows] == [("bizmart", "agent", NO_USER), ("cibweb", "member", NO_USER)]
    rows = platform.tools.save_employee_tools(
        agency.manager, agency.organisation.id, agency.pending.id, {("cibweb", "member"): role_choice("assistant")},
    )
    assert [r.access.choice for r in rows] == [NO_USER, role_choice("assistant")]


def test_tool_declarations_are_checked() -> None:
    from immo_connect.contracts.tools import Price, Role, SupportContact, Tool, UsageMode

    support = SupportContact(name="Support", email="help@example.be")
    mode = UsageMode("agent", "Agent", "…", roles=(Role("user", "User"),))
    with pytest.raises(ValueError, match="no role"):
        UsageMode("agent", "Agent", "…")
    with pytest.raises(ValueError, match="cents"):
        Price("search", "Search", 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="twice"):
        Tool(name="x", title="X", short_description="x", long_description="", support=support,
             modes=(mode, mode), screen="pkg.screen:Screen")
    with pytest.raises(ValueError, match="screen"):
        Tool(name="x", title="X", short_description="x", long_description="", support=support,
             modes=(mode,), screen="not a path")
    with pytest.raises(ValueError, match="support"):
        SupportContact(name="Nobody")


def test_a_plugin_with_an_invalid_tool_is_isolated(make_platform: MakePlatform) -> None:
    from immo_connect import hookimpl
    from immo_connect.contracts.tools import SupportContact, Tool

    class Broken:
        __name__ = "broken_tool"

        @hookimpl
        def immo_connect_register_tools(self, register: object) -> None:
            register(Tool(name="broken", title="Broken", short_description="…", long_description="",
                          support=SupportContact(name="S", website="https://example.be"), modes=(),
                          screen="pkg.screen:Screen"))

    platform = make_platform(extra_plugins={"broken_tool": Broken()})
    assert "broken" not in [t.name for t in platform.tools.catalogue()]
    assert len(platform.tools.catalogue()) == 8
    info = {p.name: p for p in platform.plugins.plugins()}["broken_tool"]
    assert info.state == "failed" and "no usage mode" in info.reason


def test_the_tool_page_shows_every_mode_and_gives_the_access_list_to_managers_only(platform: Platform, agency: Agency) -> None:
    terms = platform.tools.tool("cadastrefinder").terms
    assert terms is not None
    platform.tools.register(agency.manager, agency.organisation.id, "cadastrefinder", "agent", terms_version=terms.version)
    for who, is_manager in ((agency.manager, True), (agency.employee, False)):
        details = platform.tools.details(who, agency.organisation.id, "cadastrefinder")
        assert details.is_manager is is_manager
        assert [(m.mode, m.registered) for m in details.modes] == [("agent", True), ("surveyor", False), ("notary", False)]
        agent = details.modes[0]
        assert (agent.registered_by, agent.registered_at) == ("Marc Janssens", platform.clock.now())
        assert agent.mandate is not None and agent.mandate.holder_id == agency.manager.id and agent.mandate.valid
        assert agent.mandate.identifier == "ipi.agent"
        if is_manager:
            assert agent.sheet is not None and agency.employee.id in {e.account_id for e in agent.sheet.employees}
        else:
            assert agent.sheet is None
    with pytest.raises(PermissionDenied) as caught:
        platform.tools.details(agency.outsider, agency.organisation.id, "cadastrefinder")
    assert caught.value.code == "not_member"
