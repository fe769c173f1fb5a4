"""Confidential details of tool charges (list, CSV, vouchers) and what vouchers say: names,
the card brand, the structured communication, VAT of a tool charge, 0 moved when it failed."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections.abc import Callable

import pytest

from immo_connect.accounts.models import Account
from immo_connect.platform import Platform
from immo_connect.tools import role_choice
from immo_connect.wallet.models import WalletTransaction
from tests.support.tools import Agency, fund, make_agency, registers_config
from tests.support.topups import SANDBOX_ON

pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is installed by make test")


def pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()


def csv_rows(platform: Platform, actor: Account, organisation_id: int) -> list[list[str]]:
    out = io.BytesIO()
    platform.wallet.write_csv(actor, organisation_id, out)
    return list(csv.reader(io.StringIO(out.getvalue().decode(), newline=""), delimiter=";"))


def checked(platform: Platform, agency: Agency) -> WalletTransaction:
    """An Anti-Blanchiment check by the agent, through the tool's charge (marked confidential)."""
    fund(platform, agency.organisation, 10_000)
    tool = platform.tools.tool("antiblanchiment")
    assert tool.terms is not None
    platform.tools.register(agency.manager, agency.organisation.id, tool.name, "agent",
                            terms_version=tool.terms.version)
    role = tool.modes[0].roles[0]
    platform.tools.save_access(agency.manager, agency.organisation.id, tool.name, "agent",
                               {agency.agent.id: role_choice(role.id)})
    platform.tools.accept_terms(agency.agent, tool.name, tool.terms.version)
    context = platform.tools.start(agency.agent, tool.name, agency.organisation.id, "agent")
    return platform.tools.charge(context, "check", description="Vérification de vigilance : Jean Dupont",
                                 idempotency_key="aml:1", confidential=True)


@pytest.fixture
def agency_platform(make_platform: Callable[..., Platform], database_url: str) -> Platform:
    return make_platform(database_url, config_text=SANDBOX_ON + registers_config())


def test_members_without_the_tool_see_the_tool_and_amount_only(agency_platform: Platform) -> None:
    platform = agency_platform
    agency = make_agency(platform)
    row = checked(platform, agency)
    assert row.public_description == "Anti-Blanchiment — Vérification de vigilance"
    organisation = agency.organisation
    # The employee without access to Anti-Blanchiment, given the view right.
    from immo_connect.organisations.models import Membership

    for who in (agency.employee, agency.agent):
        membership = Membership.get((Membership.account == who.id) & (Membership.organisation == organisation.id))
        platform.wallet.set_employee_right(agency.manager, organisation.id, membership.id, "view")

    def described(actor: Account) -> str:
        page = platform.wallet.transactions(actor, organisation.id)
        return page.descriptions[int(row.id)]

    secret = "Jean Dupont"
    assert secret not in described(agency.employee)
    assert described(agency.employee) == "Anti-Blanchiment — Vérification de vigilance"
    assert secret in described(agency.manager) and secret in described(agency.agent)  # manager, the person
    employee_csv = csv_rows(platform, agency.employee, organisation.id)
    assert not any(secret in cell for line in employee_csv for cell in line)
    assert any(line[4] == "Anti-Blanchiment — Vérification de vigilance" for line in employee_csv)
    assert any(secret in line[4] for line in csv_rows(platform, agency.manager, organisation.id))
    if shutil.which("pdftotext"):
        assert secret not in pdf_text(platform.wallet.voucher_pdf(agency.employee, row.id))
        assert secret in pdf_text(platform.wallet.voucher_pdf(agency.manager, row.id))


@pdftotext
def test_vouchers_say_who_the_card_the_vat_and_what_moved(agency_platform: Platform) -> None:
    platform = agency_platform
    agency = make_agency(platform)
    manager = agency.manager
    organisation = agency.organisation
    payment = platform.payments.start_topup(manager, organisation.id, 100_00, option="visa")
    payment = platform.payments.simulate(manager, payment.id, "paid")
    top_up = WalletTransaction.get_by_id(payment.transaction_id)
    text = pdf_text(platform.wallet.voucher_pdf(manager, top_up.id))
    assert "Visa" in text and "system" not in text and str(manager.username) not in text.split("Par")[-1]
    assert str(manager.display_name) in text
    assert platform.wallet.structured_communication(organisation.id) in text

    charge = platform.wallet.charge(manager, organisation.id, 12_10, tool="btv", description="Attestation",
                                    idempotency_key="v:1")
    text = pdf_text(platform.wallet.voucher_pdf(manager, charge.id))
    for expected in ("Prix hors TVA", "10,00 €", "Taux de TVA", "21 %", "TVA", "2,10 €",
                     "Total TVA comprise", "12,10 €"):
        assert expected in text, (expected, text)

    failed = platform.wallet.charge(manager, organisation.id, 1_000_00, tool="btv", description="Trop cher",
                                    idempotency_key="v:2")
    text = " ".join(pdf_text(platform.wallet.voucher_pdf(manager, failed.id)).replace("\u202f", " ").split())
    assert "Montant mouvementé" in text and "+0,00 €" not in text and " 0,00 €" in text
    assert "Montant demandé 1 000,00 €" in text and "insuffisant" in text and "Par Marc Janssens" in text
    assert "-1 000,00" not in text

    # In the reader's language: an English-speaking employee with the view right.
    reader = agency.agent
    Account.update(language="en").where(Account.id == reader.id).execute()
    from immo_connect.organisations.models import Membership

    membership = Membership.get((Membership.account == reader.id) & (Membership.organisation == organisation.id))
    platform.wallet.set_employee_right(manager, organisation.id, membership.id, "view")
    text = pdf_text(platform.wallet.voucher_pdf(reader, charge.id))
    assert "Transaction voucher" in text and "Price before VAT" in text
