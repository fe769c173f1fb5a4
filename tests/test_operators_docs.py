"""docs/operators.md: every command it gives, run as written, in order, on a scene with the
accounts, the organisation, the suspense entry and the chargeback its procedures speak of."""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from immo_connect.accounts.models import Account
from immo_connect.audit import AuditEvent
from immo_connect.bank.models import BankEntry, StatementImport
from immo_connect.cli import main
from immo_connect.clock import utcnow
from immo_connect.operators.models import MoneyRequest, OperatorRole
from immo_connect.platform import Platform
from immo_connect.plugins.payments.sandbox import SandboxReversal
from immo_connect.storage import transaction
from tests.support.accounts import mails_to
from tests.support.docs import code_blocks
from tests.support.factories import make_account, make_organisation
from tests.support.topups import SANDBOX_ON
from tests.support.wallet import balances, ledger_problems


def commands() -> list[str]:
    found = []
    for block in code_blocks("operators.md"):
        lines = [line for line in block.splitlines() if line.strip()]
        if lines and all(line.startswith("immo-connect ") for line in lines):
            found += lines
    return found


def test_the_documented_commands_are_real_and_in_order(
    make_platform: Callable[..., Platform], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    platform = make_platform(config_text=SANDBOX_ON)
    for name in ("ops.admin", "hugo.help", "fin.anne", "fin.bert"):
        make_account(name)
    anne = make_account("anne.peeters", first_name="Anne", last_name="Peeters")
    organisation = make_organisation(anne, name="Immo Peeters", enterprise_number="0750000040")
    with transaction():
        Account.update(failed_sign_ins=9, locked_until=utcnow() + dt.timedelta(hours=1), eid_linked_at=utcnow(),
                       national_number_hash="a" * 64).where(Account.id == anne.id).execute()
        imported = StatementImport.create(filename="march.cod", format="coda", sha256="0" * 64, operator="cron",
                                          imported_at=utcnow(), suspense=1)
        BankEntry.create(id=1, entry_key="k1", statement_import=imported, format="coda", position="1",
                         amount_cents=125_00, status="suspense", problem="no_communication", created_at=utcnow())
    top_up = platform.wallet.credit(organisation.id, 1000_00, kind="bank_transfer", description="Virement",
                                    idempotency_key="test:topup")
    platform.wallet.take_back(organisation.id, 600_00, original_transaction_id=int(top_up.id), reason="chargeback",
                              description="Rejet", idempotency_key="test:chargeback")
    card = platform.payments.start_topup(anne, organisation.id, 1000_00)  # online top-up 1, paid by card
    platform.payments.simulate(anne, card.id, "paid")
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IMMO_CONNECT_CONFIG", str(tmp_path / "plugins.toml"))
    monkeypatch.setenv("IMMO_CONNECT_DATABASE_URL", platform.settings.database_url)

    documented = commands()
    assert len(documented) >= 15
    for line in documented:
        code = main(shlex.split(line, comments=True)[1:])
        captured = capsys.readouterr()
        assert code == 0, f"{line}\n{captured.err}"
        assert "Traceback" not in captured.err

    roles = {row.account.username: row.role for row in OperatorRole.select()}
    assert roles == {"ops.admin": "admin", "hugo.help": "helpdesk", "fin.anne": "finance", "fin.bert": "finance"}
    after = Account.get_by_id(anne.id)
    assert after.locked_until is None and after.eid_linked_at is None and after.national_number_hash is None
    assert len(mails_to("anne.peeters@example.be", "operator_action")) == 3  # unlocked, unlinked, corrected
    assert BankEntry.get_by_id(1).status == "assigned"
    assert MoneyRequest.get_by_id(1).status == "booked"
    refund = MoneyRequest.get_by_id(2)
    assert (refund.kind, refund.status, refund.decided_by.username) == ("card_refund", "booked", "fin.bert")
    assert SandboxReversal.get().status == "refunded" and SandboxReversal.get().amount_cents == 700_00
    assert mails_to("anne.peeters@example.be", "topup_taken_back")
    first = AuditEvent.get(AuditEvent.action == "operator.role_granted")
    assert first.actor == "operator:command line" and '"first_admin": true' in first.detail
    assert "first administrator, installation" in first.detail
    assert balances()[organisation.id] == 1000_00 + 125_00 + 1000_00 - 700_00 and ledger_problems() == []
    logs = "".join(path.read_text(encoding="utf-8") for path in (tmp_path / "data").glob("immo-connect.log*"))
    assert "a" * 64 not in logs  # the national number's hash never reaches a log


def test_the_documented_limit_is_the_default() -> None:
    from immo_connect.config import OperatorsSection

    text = (Path(__file__).resolve().parents[1] / "docs" / "operators.md").read_text(encoding="utf-8")
    assert f"second_approval_above_euros = {OperatorsSection().second_approval_above_euros}" in text


def test_the_command_line_names_the_first_admin_only_once(
    make_platform: Callable[..., Platform], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    platform = make_platform()
    for name in ("ops.admin", "fin.anne"):
        make_account(name)
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IMMO_CONNECT_CONFIG", str(tmp_path / "plugins.toml"))
    monkeypatch.setenv("IMMO_CONNECT_DATABASE_URL", platform.settings.database_url)
    assert main(["operators", "list"]) == 0  # nobody yet: the shell sets up the first admin
    assert "operators add USERNAME --role admin --reason" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # a role is never given without its reason
        main(["operators", "add", "ops.admin", "--role", "admin"])
    assert main(["operators", "add", "fin.anne", "--role", "finance", "--reason", "x"]) == 2  # only an admin
    assert main(["operators", "add", "ops.admin", "--role", "admin", "--reason", "installation"]) == 0
    assert main(["operators", "add", "fin.anne", "--role", "admin", "--reason", "second admin"]) == 2
    assert main(["operators", "list"]) == 2  # from now on an admin lists, gives and takes roles
    capsys.readouterr()
    assert main(["operators", "add", "fin.anne", "--role", "finance", "--as", "ops.admin", "--reason", "hired"]) == 0
    assert main(["operators", "list", "--as", "ops.admin"]) == 0
    assert "fin.anne" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["operators", "remove", "fin.anne", "--as", "ops.admin"])
    assert main(["operators", "remove", "fin.anne", "--as", "ops.admin", "--reason", "left the team"]) == 0
    removed = AuditEvent.get(AuditEvent.action == "operator.role_removed")
    assert removed.actor == "ops.admin" and "left the team" in removed.detail
    assert main(["operators", "list", "--as", "fin.anne"]) == 2  # no role any more
    assert {row.account.username for row in OperatorRole.select()} == {"ops.admin"}


def test_the_documented_import_folder_is_where_the_screens_read(
    make_platform: Callable[..., Platform], tmp_path: Path,
) -> None:
    from immo_connect.config import OperatorsSection
    from immo_connect.errors import ValidationError
    from tests.support import statements
    from tests.support.docs import block_with, substitute
    from tests.support.operators import make_operator

    assert OperatorsSection().import_folder is None  # « unset by default »
    text = (Path(__file__).resolve().parents[1] / "docs" / "operators.md").read_text(encoding="utf-8")
    folder = tmp_path / "statements"
    config = substitute(block_with("operators.md", "import_folder"), {"/var/lib/immo-connect/statements": str(folder)})
    platform = make_platform(config_text=config)
    assert platform.settings.operators.import_folder == folder
    anne = make_operator("fin.anne", "finance")
    for sequence, name in enumerate(("march.cod", "2026/march.cod"), start=5):
        assert f"`{name}`" in text
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(statements.coda([statements.Move(f"DOC{sequence:04d}", 10_00, free="x")],
                                                   sequence=sequence), newline="")
        assert platform.operators.money.import_from_folder(anne, name, "daily statement").filename == name
    assert StatementImport.select().count() == 2
    (tmp_path / "elsewhere.cod").write_text("x")
    for outside in ("../elsewhere.cod", str(tmp_path / "elsewhere.cod")):
        with pytest.raises(ValidationError) as refused:
            platform.operators.money.import_from_folder(anne, outside, "daily statement")
        assert refused.value.code == "statement_outside_folder"
