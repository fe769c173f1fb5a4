"""``immo-connect wallet`` and the wallet's demo step, as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    environ["IMMO_CONNECT_DATA_DIR"] = str(tmp_path / "data")
    environ["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    return subprocess.run([sys.executable, "-m", "immo_connect", *args], capture_output=True, text=True,
                          env=environ, timeout=180, check=False)


def test_demo_wallet_verify_show_and_correct(tmp_path: Path) -> None:
    assert run_cli("demo", tmp_path=tmp_path).returncode == 0
    again = run_cli("demo", tmp_path=tmp_path)  # idempotent: the same history, not a second one
    assert "Wallet : Immo Peeters a 13 transactions de démonstration" in again.stdout
    shown = run_cli("wallet", "show", "0750.000.040", "--as", "fin.anne", tmp_path=tmp_path)
    assert shown.returncode == 0 and "+++100/0000/00135+++" in shown.stdout
    verified = run_cli("wallet", "verify", tmp_path=tmp_path)
    assert verified.returncode == 0 and "Le grand livre est sain." in verified.stdout
    assert "platform:tool:cadastrefinder" in verified.stdout

    # julie.lambert belongs to no organisation: she may correct Immo Peeters' wallet.
    added = run_cli("operators", "add", "julie.lambert", "--role", "admin", "--as", "ops.admin", "--reason",
                    "test", tmp_path=tmp_path)
    assert added.returncode == 0, added.stderr
    taken = run_cli("wallet", "correct", "0750000040", "5,00", "--description", "Refund", "--key", "t:1",
                    "--debit", "--as", "julie.lambert", tmp_path=tmp_path)
    assert taken.returncode == 0 and "-5,00 €" in taken.stdout
    replay = run_cli("wallet", "correct", "0750000040", "5,00", "--description", "Refund", "--key", "t:1",
                     "--debit", "--as", "julie.lambert", tmp_path=tmp_path)
    assert replay.stdout == taken.stdout  # the same transaction, booked once
    wrong = run_cli("wallet", "correct", "0750000040", "-5", "--description", "x", "--key", "t:2",
                    "--as", "julie.lambert", tmp_path=tmp_path)
    assert wrong.returncode == 2 and len(wrong.stderr.strip().splitlines()) == 1
    assert "Traceback" not in wrong.stderr
    unknown = run_cli("wallet", "show", "0403.019.261", "--as", "fin.anne", tmp_path=tmp_path)
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
