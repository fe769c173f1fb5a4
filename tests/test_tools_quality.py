"""Quality selection: every (organisation, mode) a person may use, the last choice, terms at start."""

from __future__ import annotations

import pytest

from immo_connect.errors import PermissionDenied
from immo_connect.platform import Platform
from immo_connect.tools import role_choice
from tests.support.factories import add_member, make_organisation
from tests.support.tools import (
    OTHER_AGENT,
    REGISSEUR,
    Agency,
    MakePlatform,
    make_agency,
    register_cadastrefinder,
    registers_config,
)


@pytest.fixture
def platform(make_platform: MakePlatform) -> Platform:
    return make_platform(config_text=registers_config())


@pytest.fixture
def agency(platform: Platform) -> Agency:
    agency = make_agency(platform)
    register_cadastrefinder(platform, agency)
    return agency


def test_qualities_span_organisations_and_modes(platform: Platform, agency: Agency) -> None:
    # The manager also works for a second agency, registered there in two modes of CIBweb and CadastreFinder.
    second = make_agency(platform, "Bureau Zénith", manager_number=OTHER_AGENT, agent_number=REGISSEUR)
    add_member(second.organisation, agency.manager)
    register_cadastrefinder(platform, second)
    platform.tools.save_access(second.manager, second.organisation.id, "cadastrefinder", "agent",
                               {agency.manager.id: role_choice("agent")})
    qualities = platform.tools.qualities(agency.manager, "cadastrefinder")
    assert [(q.organisation_name, q.mode, q.role) for q in qualities] == [
        ("Agence du Parc", "agent", "agent"), ("Bureau Zénith", "agent", "agent"),
    ]
    assert not any(q.last for q in qualities)
    platform.tools.start(agency.manager, "cadastrefinder", second.organisation.id, "agent")
    qualities = platform.tools.qualities(agency.manager, "cadastrefinder")
    assert [q.organisation_name for q in qualities if q.last] == ["Bureau Zénith"]


def test_terms_pending_is_offered_and_accepting_lets_the_start_through(platform: Platform, agency: Agency) -> None:
    platform.tools.save_access(agency.manager, agency.organisation.id, "cadastrefinder", "agent",
                               {agency.employee.id: role_choice("assistant")})
    (quality,) = platform.tools.qualities(agency.employee, "cadastrefinder")
    assert quality.terms_pending
    with pytest.raises(PermissionDenied) as caught:
        platform.tools.start(agency.employee, "cadastrefinder", agency.organisation.id, "agent")
    assert caught.value.code == "terms_not_accepted"
    platform.tools.accept_terms(agency.employee, "cadastrefinder", "2016-1")
    assert not platform.tools.qualities(agency.employee, "cadastrefinder")[0].terms_pending
    context = platform.tools.start(agency.employee, "cadastrefinder", agency.organisation.id, "agent")
    assert context.role == "assistant" and context.organisation_name == "Agence du Parc"


def test_usable_tools(platform: Platform, agency: Agency) -> None:
    assert [t.name for t in platform.tools.usable_tools(agency.manager)] == ["cadastrefinder"]
    assert platform.tools.usable_tools(agency.employee) == []


def test_qualities_cost_the_same_number_of_queries_for_one_or_many_organisations(platform: Platform, agency: Agency) -> None:
    from playhouse.test_utils import count_queries

    with count_queries() as one:
        platform.tools.qualities(agency.manager, "cadastrefinder")
    for index in range(5):
        organisation = make_organisation(agency.manager, name=f"Agence {index}")
        platform.tools.register(agency.manager, organisation.id, "cadastrefinder", "agent", terms_version="2016-1")
    with count_queries() as many:
        assert len(platform.tools.qualities(agency.manager, "cadastrefinder")) == 6
    assert many.count == one.count


def test_the_whole_path_on_both_databases(make_platform: MakePlatform, database_url: str) -> None:
    from immo_connect.plugins.tools.cadastrefinder.parcels import ParcelQuery
    from immo_connect.plugins.tools.cadastrefinder.search import search
    from tests.support.tools import fund

    platform = make_platform(database_url, config_text=registers_config())
    agency = make_agency(platform)
    register_cadastrefinder(platform, agency)
    platform.tools.save_access(agency.manager, agency.organisation.id, "cadastrefinder", "agent",
                               {agency.employee.id: role_choice("assistant"), agency.agent.id: "blocked"})
    platform.tools.accept_terms(agency.employee, "cadastrefinder", "2016-1")
    (quality,) = platform.tools.qualities(agency.employee, "cadastrefinder")
    assert platform.tools.qualities(agency.agent, "cadastrefinder") == []
    context = platform.tools.start(agency.employee, "cadastrefinder", quality.organisation_id, quality.mode)
    fund(platform, agency.organisation, 300)
    result = search(platform, context, ParcelQuery(municipality="Gent"), idempotency_key="pg-1")
    assert result.parcels and result.transaction.amount == -150
    assert platform.tools.qualities(agency.employee, "cadastrefinder")[0].last
