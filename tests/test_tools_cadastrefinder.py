"""CadastreFinder: the parcel search, its data set, and the charge per search."""

from __future__ import annotations

from pathlib import Path

import pytest

from immo_connect.errors import PermissionDenied, ValidationError
from immo_connect.platform import Platform
from immo_connect.plugins.tools.cadastrefinder.parcels import (
    DEFAULT_DATA_SET,
    ParcelIndex,
    ParcelQuery,
    QueryError,
    parse_parcel,
)
from immo_connect.plugins.tools.cadastrefinder.search import CadastreSearch, search
from immo_connect.tools import BLOCKED, ToolContext, role_choice
from immo_connect.wallet.models import WalletTransaction
from tests.support.tools import Agency, MakePlatform, fund, make_agency, register_cadastrefinder, registers_config

INDEX = ParcelIndex()


def test_the_shipped_data_set_is_well_formed() -> None:
    parcels = INDEX.parcels()
    assert len(parcels) > 100
    assert len({p.capakey for p in parcels}) == len(parcels)
    for parcel in parcels:
        assert len(parcel.nis_code) == 5 and parcel.nis_code.isdigit()
        assert parcel.capakey == f"{parcel.division_code}{parcel.section}{parcel.parcel}000"
        assert parse_parcel(parcel.parcel)[0] == parcel.parcel[:4]
    assert ("62063", "Liège") in INDEX.municipalities()


def test_search_by_each_criterion() -> None:
    by_name = INDEX.search(ParcelQuery(municipality="liege"))
    assert by_name and {p.municipality for p in by_name} == {"Liège"}
    assert {p.capakey for p in INDEX.search(ParcelQuery(municipality="62063"))} >= {p.capakey for p in by_name if p.nis_code == "62063"}
    target = by_name[0]
    found = INDEX.search(ParcelQuery(municipality="Liège", section=target.section.lower(), parcel=target.parcel))
    assert target in found and all(p.parcel == target.parcel for p in found)
    root_only = INDEX.search(ParcelQuery(parcel=str(int(target.parcel[:4]))))
    assert target in root_only
    street = INDEX.search(ParcelQuery(address=f"{target.street} {target.house_number}"))
    assert target in street
    assert INDEX.search(ParcelQuery(municipality="Atlantis")) == []


@pytest.mark.parametrize(("query", "field"), [
    (ParcelQuery(), "municipality"), (ParcelQuery(section="AB"), "section"), (ParcelQuery(parcel="12/ab/3"), "parcel"),
])
def test_malformed_criteria(query: ParcelQuery, field: str) -> None:
    with pytest.raises(QueryError) as caught:
        INDEX.search(query)
    assert caught.value.field == field


def test_a_configured_data_set_replaces_the_shipped_one(make_platform: MakePlatform, tmp_path: Path) -> None:
    data = tmp_path / "parcels.csv"
    lines = DEFAULT_DATA_SET.read_text(encoding="utf-8").splitlines()
    data.write_text("\n".join(line for line in lines if line.startswith(("#", "capakey")) or ";Namur;" in line) + "\n")
    config = registers_config() + f'[plugins.cadastrefinder]\nparcels = "{data}"\n'
    platform = make_platform(config_text=config)
    from immo_connect.plugins.tools.cadastrefinder.search import parcel_index

    assert {m for _, m in parcel_index(platform).municipalities()} == {"Namur"}


@pytest.fixture
def platform(make_platform: MakePlatform) -> Platform:
    return make_platform(config_text=registers_config())


@pytest.fixture
def agency(platform: Platform) -> Agency:
    agency = make_agency(platform)
    register_cadastrefinder(platform, agency)
    platform.tools.save_access(agency.manager, agency.organisation.id, "cadastrefinder", "agent",
                               {agency.employee.id: role_choice("assistant")})
    platform.tools.accept_terms(agency.employee, "cadastrefinder", "2016-1")
    return agency


@pytest.fixture
def context(platform: Platform, agency: Agency) -> ToolContext:
    return platform.tools.start(agency.employee, "cadastrefinder", agency.organisation.id, "agent")


def test_each_search_is_charged_and_logged(platform: Platform, agency: Agency, context: ToolContext) -> None:
    fund(platform, agency.organisation, 1000)
    result = search(platform, context, ParcelQuery(municipality="Namur"), idempotency_key="s1")
    assert result.parcels and result.price_cents == 150
    charge = WalletTransaction.get_by_id(result.transaction.id)
    assert (charge.amount, charge.tool, charge.status, charge.actor_id) == (-150, "cadastrefinder", "succeeded", agency.employee.id)
    assert (charge.balance_before, charge.balance_after) == (1000, 850)
    search(platform, context, ParcelQuery(municipality="Atlantis"), idempotency_key="s2")  # no result, still charged
    assert platform.wallet.ensure_wallet(agency.organisation.id).balance == 700
    logged = list(CadastreSearch.select().order_by(CadastreSearch.id))
    assert [(row.results > 0, row.account_id) for row in logged] == [(True, agency.employee.id), (False, agency.employee.id)]
    assert logged[0].transaction_ref == str(charge.id)  # the log points at the wallet transaction


def test_a_retried_search_is_charged_once(platform: Platform, agency: Agency, context: ToolContext) -> None:
    fund(platform, agency.organisation, 1000)
    first = search(platform, context, ParcelQuery(municipality="Namur"), idempotency_key="same")
    again = search(platform, context, ParcelQuery(municipality="Namur"), idempotency_key="same")
    assert first.transaction.id == again.transaction.id
    assert platform.wallet.ensure_wallet(agency.organisation.id).balance == 850


def test_an_empty_wallet_refuses_the_search(platform: Platform, agency: Agency, context: ToolContext) -> None:
    fund(platform, agency.organisation, 100)
    with pytest.raises(ValidationError) as caught:
        search(platform, context, ParcelQuery(municipality="Namur"), idempotency_key="poor")
    assert caught.value.code == "insufficient_funds"
    failed = WalletTransaction.get(WalletTransaction.tool == "cadastrefinder")
    assert failed.status == "failed"
    assert CadastreSearch.select().count() == 0


def test_a_malformed_search_costs_nothing(platform: Platform, agency: Agency, context: ToolContext) -> None:
    fund(platform, agency.organisation, 1000)
    with pytest.raises(ValidationError) as caught:
        search(platform, context, ParcelQuery(section="12"), idempotency_key="bad")
    assert caught.value.field == "section"
    assert not WalletTransaction.select().where(WalletTransaction.tool == "cadastrefinder").exists()


def test_a_blocked_employee_cannot_search_with_an_open_context(platform: Platform, agency: Agency, context: ToolContext) -> None:
    fund(platform, agency.organisation, 1000)
    platform.tools.save_access(agency.manager, agency.organisation.id, "cadastrefinder", "agent", {agency.employee.id: BLOCKED})
    with pytest.raises(PermissionDenied):
        search(platform, context, ParcelQuery(municipality="Namur"), idempotency_key="late")
    assert not WalletTransaction.select().where(WalletTransaction.tool == "cadastrefinder").exists()


def test_criteria_with_control_characters_are_refused_before_anything_is_charged(
    platform: Platform, agency: Agency, context: ToolContext,
) -> None:
    fund(platform, agency.organisation, 1000)
    with pytest.raises(ValidationError) as refused:
        search(platform, context, ParcelQuery(address="Rue Haute\x1b[2J 12"), idempotency_key="c1")
    assert (refused.value.code, refused.value.field) == ("control_characters", "address")
    assert platform.wallet.ensure_wallet(agency.organisation.id).balance == 1000
    assert CadastreSearch.select().count() == 0
