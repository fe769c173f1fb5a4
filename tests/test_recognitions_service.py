"""Recognitions: register files, refresh after linking, validity, withdrawal, failing sources."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from immo_connect import audit, hookimpl
from immo_connect.clock import FrozenClock
from immo_connect.contracts.recognitions import GrantedRecognition, RecognitionKind, RecognitionSource
from immo_connect.errors import PermissionDenied, ValidationError
from immo_connect.plugins.recognitions._register_file import normalise_national_number, parse_register
from immo_connect.recognitions.models import Recognition
from tests.support.factories import make_account
from tests.support.tools import (
    ACCOUNTANT,
    AGENT_AND_SYNDIC,
    EXAMPLES,
    EXPIRED_AGENT,
    UNKNOWN_PERSON,
    MakePlatform,
    link_identity,
    registers_config,
    write_identity,
)


@pytest.fixture
def registers(tmp_path: Path) -> Path:
    folder = tmp_path / "registers"
    shutil.copytree(EXAMPLES, folder)
    return folder


def test_known_recognitions_cover_the_four_registers(make_platform: MakePlatform, english: None) -> None:
    platform = make_platform(config_text=registers_config())
    known = {k.identifier: k for k in platform.recognitions.known()}
    assert set(known) == {
        "ipi.agent", "ipi.syndic", "ipi.regisseur", "notary.notary", "surveyor.land_surveyor",
        "itaa.accountant", "itaa.tax_adviser",
    }
    assert known["ipi.syndic"].source == "biv_ipi"
    assert "IPI/BIV" in known["ipi.agent"].issuer


def test_refresh_keeps_source_number_and_validity(make_platform: MakePlatform, database_url: str) -> None:
    platform = make_platform(database_url, config_text=registers_config())
    account = make_account()
    link_identity(platform, account, AGENT_AND_SYNDIC)
    mine = {r.identifier: r for r in platform.recognitions.mine(account)}
    assert set(mine) == {"ipi.agent", "ipi.syndic"}
    agent = mine["ipi.agent"]
    assert (agent.source, agent.number, agent.valid_from, agent.valid_until) == ("biv_ipi", "504.117", dt.date(2011, 9, 1), None)
    assert agent.valid and agent.status == "current"


def test_an_expired_recognition_is_kept_but_not_valid(make_platform: MakePlatform) -> None:
    platform = make_platform(config_text=registers_config())
    account = link_identity(platform, make_account(), EXPIRED_AGENT)
    (held,) = platform.recognitions.mine(account)
    assert held.identifier == "ipi.agent" and held.valid_until == dt.date(2023, 12, 31)
    assert not held.valid


def test_a_recognition_ends_when_its_validity_ends(make_platform: MakePlatform, registers: Path, clock: FrozenClock) -> None:
    platform = make_platform(config_text=registers_config(registers))
    clock.current = dt.datetime(2023, 12, 31, 12, 0)
    account = link_identity(platform, make_account(), EXPIRED_AGENT)
    assert platform.recognitions.mine(account)[0].valid
    clock.advance(days=1)
    assert not platform.recognitions.mine(account)[0].valid


def test_several_sources_grant_to_the_same_person(make_platform: MakePlatform) -> None:
    platform = make_platform(config_text=registers_config())
    account = link_identity(platform, make_account(), ACCOUNTANT)
    assert {r.identifier for r in platform.recognitions.mine(account)} == {"itaa.accountant", "itaa.tax_adviser"}


def test_a_person_in_no_register_has_no_recognition(make_platform: MakePlatform) -> None:
    platform = make_platform(config_text=registers_config())
    account = link_identity(platform, make_account(), UNKNOWN_PERSON)
    assert platform.recognitions.mine(account) == []


def test_refresh_needs_a_linked_eid(make_platform: MakePlatform) -> None:
    platform = make_platform(config_text=registers_config())
    with pytest.raises(ValidationError) as caught:
        platform.recognitions.refresh(make_account())
    assert caught.value.code == "eid_not_linked"


def test_a_recognition_removed_from_the_register_is_withdrawn(make_platform: MakePlatform, registers: Path) -> None:
    platform = make_platform(config_text=registers_config(registers))
    account = link_identity(platform, make_account(), AGENT_AND_SYNDIC)
    register = registers / "biv_ipi.csv"
    register.write_text("\n".join(line for line in register.read_text().splitlines() if "ipi.syndic" not in line) + "\n")
    report = platform.recognitions.refresh_mine(account)
    assert (report.found, report.withdrawn) == (1, 1)
    statuses = {r.identifier: r.status for r in Recognition.select().where(Recognition.account == account.id)}
    assert statuses == {"ipi.agent": "current", "ipi.syndic": "withdrawn"}
    assert [r.identifier for r in platform.recognitions.mine(account) if r.valid] == ["ipi.agent"]


def test_a_missing_register_keeps_what_was_known(make_platform: MakePlatform, registers: Path) -> None:
    platform = make_platform(config_text=registers_config(registers))
    account = link_identity(platform, make_account(), AGENT_AND_SYNDIC)
    (registers / "biv_ipi.csv").unlink()
    report = platform.recognitions.refresh_mine(account)
    assert report.failed_sources == ("biv_ipi",)
    assert {r.identifier for r in platform.recognitions.mine(account) if r.valid} == {"ipi.agent", "ipi.syndic"}


def test_refresh_is_audited_without_the_national_number(make_platform: MakePlatform) -> None:
    platform = make_platform(config_text=registers_config())
    account = link_identity(platform, make_account(), AGENT_AND_SYNDIC)
    (event,) = audit.query(audit.AuditFilter(action="recognitions.refreshed"))
    assert event.actor_id == account.id and event.outcome == "success"
    assert AGENT_AND_SYNDIC not in event.detail and "85.07.30" not in event.detail


def test_without_configured_registers_nobody_is_recognised(make_platform: MakePlatform) -> None:
    platform = make_platform()
    account = link_identity(platform, make_account(), AGENT_AND_SYNDIC)
    assert platform.recognitions.mine(account) == []
    assert len(platform.recognitions.known()) == 7  # the kinds are known even without a register


def test_a_blocked_account_cannot_refresh_on_demand(make_platform: MakePlatform) -> None:
    platform = make_platform(config_text=registers_config())
    account = make_account(status="blocked")
    write_identity(platform, account, AGENT_AND_SYNDIC)
    with pytest.raises(PermissionDenied):
        platform.recognitions.refresh_mine(account)


def test_register_parser_skips_bad_lines_and_accepts_belgian_dates() -> None:
    text = (
        "# comment\nnational_number;register_number;recognition;valid_from;valid_until\n"
        "85.07.30-033.28;1;ipi.agent;01/09/2011;\n"
        "85.07.30-033.29;2;ipi.agent;2011-09-01;\n"  # bad check digits
        "79031411875;3;ipi.unknown;2011-09-01;\n"  # unknown recognition
        "79031411875;4;ipi.syndic;2011-09-01;2010-01-01\n"  # ends before it starts
    )
    parsed = parse_register(text, {"ipi.agent", "ipi.syndic"})
    assert list(parsed) == ["85073003328"]
    assert parsed["85073003328"][0].valid_from == dt.date(2011, 9, 1)


@pytest.mark.parametrize(("text", "expected"), [
    ("85.07.30-033.28", "85073003328"), ("85073003328", "85073003328"), ("17.07.30-033.84", "17073003384"),
    ("85.07.30-033.29", None), ("8507300332", None), ("85x07300332", None),
])
def test_national_numbers_are_checked(text: str, expected: str | None) -> None:
    assert normalise_national_number(text) == expected


def test_register_without_required_columns_fails_clearly() -> None:
    with pytest.raises(ValueError, match="valid_until"):
        parse_register("national_number;register_number;recognition;valid_from\n", {"ipi.agent"})


class _SourceOfOne(RecognitionSource):
    """A register from another plugin: knows one person, or fails when asked to."""

    def __init__(self, *, broken: bool = False) -> None:
        super().__init__(name="chamber", title="Chamber of bailiffs",
                         recognitions=[RecognitionKind("bailiff.bailiff", "Bailiff", "National Chamber of Bailiffs")])
        self.broken = broken

    def lookup(self, national_number: str) -> list[GrantedRecognition]:
        if self.broken:
            raise ConnectionError("register unreachable")
        if national_number == ACCOUNTANT:
            return [GrantedRecognition("bailiff.bailiff", "B-77", dt.date(2010, 1, 1)),
                    GrantedRecognition("notary.notary", "X", dt.date(2010, 1, 1))]  # not declared: ignored
        return []


class _Plugin:
    __name__ = "chamber"

    def __init__(self, source: RecognitionSource) -> None:
        self.source = source

    @hookimpl
    def immo_connect_register_recognition_sources(self, register: Any) -> None:
        register(self.source)


def test_immo_connect_register_recognition_sources_from_another_plugin(make_platform: MakePlatform) -> None:
    source = _SourceOfOne()
    platform = make_platform(config_text=registers_config(), extra_plugins={"chamber": _Plugin(source)})
    assert "bailiff.bailiff" in {k.identifier for k in platform.recognitions.known()}
    account = link_identity(platform, make_account(), ACCOUNTANT)
    held = {(r.source, r.identifier) for r in platform.recognitions.mine(account)}
    assert held == {("chamber", "bailiff.bailiff"), ("itaa", "itaa.accountant"), ("itaa", "itaa.tax_adviser")}
    source.broken = True  # a failing lookup is isolated: the other sources still answer
    report = platform.recognitions.refresh_mine(account)
    assert report.failed_sources == ("chamber",) and report.found == 2
    assert ("chamber", "bailiff.bailiff") in {(r.source, r.identifier) for r in platform.recognitions.mine(account) if r.valid}
