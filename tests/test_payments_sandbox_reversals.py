"""The sandbox provider simulates chargebacks and refunds; the operator's commands drive them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from immo_connect.cli import main
from immo_connect.contracts.payments import PaymentProviderError
from immo_connect.payments.models import Payment, PaymentReversal
from immo_connect.platform import Platform
from immo_connect.plugins.payments.sandbox import SandboxReversal
from immo_connect.wallet.models import Wallet, WalletTransaction
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.topups import SANDBOX_ON
from tests.support.wallet import ledger_problems


@pytest.fixture
def platform(make_platform: Callable[..., Platform]) -> Platform:
    return make_platform(config_text=SANDBOX_ON)


@pytest.fixture
def cli(platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    return ["--config", str(tmp_path / "plugins.toml"), "--database-url", platform.settings.database_url]


def paid(platform: Platform, cents: int = 100_00) -> tuple[Payment, object, object]:
    manager = make_account("sandra")
    employee = make_account("emile")
    organisation = make_organisation(manager)
    add_member(organisation, employee)
    payment = platform.payments.start_topup(manager, organisation.id, cents)
    return platform.payments.simulate(manager, payment.id, "paid"), manager, employee


def test_a_simulated_chargeback_makes_the_wallet_negative_once(
    platform: Platform, cli: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    payment, _manager, employee = paid(platform)
    platform.wallet.charge(employee, payment.organisation_id, 80_00, tool="btv", description="Use",
                           idempotency_key="sbx:1")
    assert main([*cli, "payments", "simulate", str(payment.id), "chargeback", "--amount", "100"]) == 0
    assert "-80,00 €" in capsys.readouterr().out
    for _ in range(2):
        platform.payments.refresh(payment.id)
        platform.payments.follow_paid()
    assert Wallet.get().balance == -80_00
    assert WalletTransaction.select().where(WalletTransaction.kind == "reversal").count() == 1
    assert SandboxReversal.get().kind == "chargeback" and PaymentReversal.get().status == "charged_back"
    from tests.support.operators import make_operator

    assert main([*cli, "payments", "reversals", str(payment.id), "--as", "emile"]) == 2  # not an operator
    assert "operators list" in capsys.readouterr().err
    make_operator("fin.anne", "finance")
    assert main([*cli, "payments", "reversals", str(payment.id), "--as", "fin.anne"]) == 0
    assert "rétrofacturation" in capsys.readouterr().out  # the kind in words
    with pytest.raises(PaymentProviderError):  # nothing is left of the top-up to take back
        platform.payments.simulate_reversal(payment.id, "refund", 1_00)
    assert ledger_problems() == []


def test_a_refund_from_the_command_line_is_a_finance_operators(
    platform: Platform, cli: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.operators import make_operator

    payment, _manager, _employee = paid(platform)
    make_operator("fin.anne", "finance")
    for _ in range(2):
        assert main([*cli, "payments", "refund", str(payment.id), "30", "--as", "fin.anne", "--reason",
                     "manager asked, ticket 9", "--key", "k1"]) == 0
    assert "30,00 €" in capsys.readouterr().out
    assert SandboxReversal.select().count() == 1 and SandboxReversal.get().status == "refunded"
    assert PaymentReversal.get().status == "refunded" and Wallet.get().balance == 70_00
    # The manager who once named themselves with --manager is no operator: refused, audited.
    assert main([*cli, "payments", "refund", str(payment.id), "10", "--as", "sandra", "--reason", "x"]) == 2
    assert "opérateur" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # --as and --reason are required
        main([*cli, "payments", "refund", str(payment.id), "10", "--manager", "sandra"])
    capsys.readouterr()
    assert main([*cli, "payments", "refund", str(payment.id), "70,01", "--as", "fin.anne", "--reason", "x"]) == 2
    assert Wallet.get().balance == 70_00 and ledger_problems() == []
