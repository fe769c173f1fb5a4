"""Anti-Blanchiment: risk assessment, recorded checks charged per check, the PDF report."""

from __future__ import annotations

import dataclasses
import subprocess

import pytest

from immo_connect.errors import ImmoConnectError, ValidationError
from immo_connect.platform import Platform
from immo_connect.plugins.tools.antiblanchiment.checks import AmlCheck, CheckInput, assess, checks, record_check
from immo_connect.plugins.tools.antiblanchiment.report import write_report
from immo_connect.tools import ToolContext
from immo_connect.wallet.models import WalletTransaction
from tests.support.tools import Agency, MakePlatform, fund, make_agency, registers_config

COMPANY = CheckInput(
    subject_kind="company", subject_name="Immo Horizon SRL", subject_reference="0403.170.701",
    subject_country="be", transaction_kind="sale", property_address="Rue Haute 12, 1000 Bruxelles",
    amount_cents=34_500_000, answers={"remote": True}, outcome="proceed", notes="Statuts vérifiés.",
)


@pytest.mark.parametrize(("answers", "expected"), [
    ({}, (0, "simplified")), ({"remote": True}, (1, "standard")), ({"cash": True}, (2, "standard")),
    ({"cash": True, "urgency": True}, (3, "enhanced")), ({"pep": True}, (3, "enhanced")),
])
def test_vigilance_levels(answers: dict[str, bool], expected: tuple[int, str]) -> None:
    assert assess(answers) == expected


@pytest.fixture
def platform(make_platform: MakePlatform) -> Platform:
    return make_platform(config_text=registers_config())


@pytest.fixture
def agency(platform: Platform) -> Agency:
    agency = make_agency(platform)
    platform.tools.register(agency.manager, agency.organisation.id, "antiblanchiment", "agent", terms_version="2024-10")
    fund(platform, agency.organisation, 5000)
    return agency


@pytest.fixture
def context(platform: Platform, agency: Agency) -> ToolContext:
    return platform.tools.start(agency.manager, "antiblanchiment", agency.organisation.id, "agent")


def test_a_check_is_recorded_and_charged(platform: Platform, agency: Agency, context: ToolContext) -> None:
    check_id = record_check(platform, context, COMPANY, idempotency_key="c1")
    row = AmlCheck.get_by_id(check_id)
    assert (row.vigilance, row.risk_score, row.subject_country, row.performed_by) == ("standard", 1, "BE", "Marc Janssens")
    charge = WalletTransaction.get(WalletTransaction.tool == "antiblanchiment")
    assert (charge.amount, charge.status, str(charge.id)) == (-1600, "succeeded", row.transaction_ref)
    assert [c.id for c in checks(platform, context)] == [check_id]


def test_enhanced_vigilance_forbids_a_plain_proceed(platform: Platform, context: ToolContext) -> None:
    risky = dataclasses.replace(COMPANY, answers={"pep": True})
    with pytest.raises(ValidationError) as caught:
        record_check(platform, context, risky, idempotency_key="c2")
    assert caught.value.field == "outcome"
    record_check(platform, context, dataclasses.replace(risky, outcome="proceed_enhanced"), idempotency_key="c3")
    assert AmlCheck.select().count() == 1
    assert WalletTransaction.select().where(WalletTransaction.tool == "antiblanchiment").count() == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"subject_reference": "0403.170.702"}, "subject_reference"),
    ({"subject_kind": "person", "subject_reference": "31/12/1980"}, "subject_reference"),
    ({"subject_name": " "}, "subject_name"), ({"subject_country": "Belgique"}, "subject_country"),
    ({"transaction_kind": "gift"}, "transaction_kind"), ({"answers": {"astrology": True}}, "answers"),
])
def test_invalid_input_is_refused_before_any_charge(platform: Platform, context: ToolContext, change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        record_check(platform, context, dataclasses.replace(COMPANY, **change), idempotency_key="bad")  # type: ignore[arg-type]
    assert caught.value.field == field
    assert not WalletTransaction.select().where(WalletTransaction.tool == "antiblanchiment").exists()


def test_the_pdf_report(platform: Platform, context: ToolContext) -> None:
    person = dataclasses.replace(COMPANY, subject_kind="person", subject_name="Élodie Vandenberghe",
                                 subject_reference="1980-12-31", answers={"cash": True, "urgency": True},
                                 outcome="refuse_report")
    check_id = record_check(platform, context, person, idempotency_key="c4")
    path = write_report(platform, context, check_id)
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Élodie Vandenberghe" in text and "Agence du Parc" in text
    assert "renforcée" in text  # French by default: "Vigilance renforcée"
    assert "345" in text and "€" in text


def test_a_report_on_a_full_disk_says_so_and_leaves_no_file(platform: Platform, context: ToolContext) -> None:
    check_id = record_check(platform, context, COMPANY, idempotency_key="c5")
    folder = platform.settings.data_dir / "reports" / "antiblanchiment" / str(context.organisation_id)
    folder.mkdir(parents=True)
    (folder / f"due-diligence-{check_id:06d}.pdf.part").symlink_to("/dev/full")  # writing fails: ENOSPC
    with pytest.raises(ImmoConnectError) as caught:
        write_report(platform, context, check_id)
    assert caught.value.code == "file_not_written"
    assert caught.value.message == (f"Le fichier due-diligence-{check_id:06d}.pdf n'a pas pu être écrit : "
                                    "No space left on device.")
    assert list(folder.iterdir()) == []
