"""docs/invoices.md followed as written: its configuration and commands, run by an operator;
and the ``[invoices]`` table's checks."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from immo_connect.clock import FrozenClock
from immo_connect.config import load_settings
from immo_connect.errors import ConfigurationError
from immo_connect.platform import Platform
from tests.support.docs import block_with, substitute
from tests.support.invoices import make_month

DOC = "invoices.md"


def run_documented(block: str, *, config: Path, database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    environ.update(IMMO_CONNECT_CONFIG=str(config), IMMO_CONNECT_DATABASE_URL=database_url,
                   IMMO_CONNECT_DATA_DIR=str(data_dir), PATH=f"{Path(sys.executable).parent}:{environ['PATH']}")
    return subprocess.run(["sh", "-ec", block], capture_output=True, text=True, env=environ, timeout=300, check=False)


def test_the_documented_month_run_issues_drops_and_lists_the_invoices_once(
    make_platform: Callable[..., Platform], clock: FrozenClock, tmp_path: Path,
) -> None:
    drop = tmp_path / "spool"
    config_text = block_with(DOC, "[invoices]") + substitute(
        block_with(DOC, "[plugins.invoice_drop]"), {"/var/spool/immo-connect/invoices": str(drop)})
    database_url = f"sqlite:///{tmp_path / 'immo.sqlite3'}"
    platform = make_platform(database_url, config_text=config_text)
    month = make_month(platform, clock)
    config = tmp_path / "plugins.toml"
    commands = block_with(DOC, "immo-connect invoices run")
    assert "--month 2026-10" in commands

    first = run_documented(commands, config=config, database_url=database_url, data_dir=tmp_path / "data")
    assert first.returncode == 0, first.stderr
    assert "2026-10 : émises 4, déjà émises 0, remises 4." in first.stdout
    assert first.stdout.count("2026-00000") == 4 + 4  # the numbers issued, then the listing
    buyers = {org.enterprise_number for org in month.organisations[:3]}
    assert {path.name for path in drop.iterdir()} == buyers
    files = sorted(path.name for path in drop.rglob("*.*"))
    assert files == sorted(f"{stem}.{ext}" for stem in ("invoice-2026-000001", "invoice-2026-000002",
                                                         "credit-note-2026-000003", "invoice-2026-000004")
                           for ext in ("pdf", "xml"))

    again = run_documented(commands, config=config, database_url=database_url, data_dir=tmp_path / "data")
    assert again.returncode == 0 and "2026-10 : émises 0, déjà émises 4, remises 0." in again.stdout


def test_invoicing_off_is_one_line_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "plugins.toml").write_text("")
    result = run_documented("immo-connect invoices run --month 2026-10\n", config=tmp_path / "plugins.toml",
                            database_url=f"sqlite:///{tmp_path / 'immo.sqlite3'}", data_dir=tmp_path / "data")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "[invoices]" in result.stderr


@pytest.mark.parametrize(("table", "problem"), [
    ('enabled = true\nseller_name = "X"', "street"),
    ('enabled = true\nseller_name = "X"\nstreet = "S"\npostal_code = "1000"\ncity = "B"\n'
     'enterprise_number = "0403.170.702"\niban = "BE71096123456769"', "0403.170.702"),
    ('enabled = true\nseller_name = "X"\nstreet = "S"\npostal_code = "1000"\ncity = "B"\n'
     'enterprise_number = "0403.170.701"\niban = "BE71096123456768"', "IBAN"),
    ('vat_rate = 121', "vat_rate"),
    ('vat_on = "invoice"', "vat_on"),
    ('[invoices.tool_vat_rates]\nmyrentpro = 106', "myrentpro"),
    ('[invoices.tool_vat_rates]\nmyrentpro = "six"', "myrentpro"),
])
def test_a_wrong_invoices_table_is_refused_naming_the_key(tmp_path: Path, table: str, problem: str) -> None:
    config = tmp_path / "plugins.toml"
    config.write_text(f"[invoices]\n{table}\n" if not table.startswith("[") else f"{table}\n")
    with pytest.raises(ConfigurationError) as refused:
        load_settings(config, environ={"IMMO_CONNECT_DATA_DIR": str(tmp_path / "data")})
    assert problem in str(refused.value) and "[invoices]" in str(refused.value)
    assert refused.value.hint


def test_defaults_issue_nothing_and_a_valid_table_is_normalised(tmp_path: Path) -> None:
    environ = {"IMMO_CONNECT_DATA_DIR": str(tmp_path / "data")}
    assert load_settings(None, environ=environ).invoices.enabled is False
    config = tmp_path / "plugins.toml"
    config.write_text(block_with(DOC, "[invoices]"))
    section = load_settings(config, environ=environ).invoices
    assert (section.enterprise_number, section.iban, section.vat_identifier) == (
        "0403170701", "BE71096123456769", "BE0403170701")
    assert section.tool_vat_rates == {"myrentpro": 6.0}


def test_without_a_month_the_last_month_that_is_over_is_invoiced() -> None:
    from immo_connect.invoices.gather import Period

    # 1 November 00:30 in Brussels is still 31 October in UTC: October is over.
    assert Period.previous(dt.datetime(2026, 10, 31, 23, 30)).month == "2026-10"
    # 31 October 23:30 in Brussels: September is the last month that is over.
    assert Period.previous(dt.datetime(2026, 10, 31, 22, 30)).month == "2026-09"
    january = Period.previous(dt.datetime(2027, 1, 1, 8))
    assert (january.month, january.first_day, january.last_day) == ("2026-12", dt.date(2026, 12, 1),
                                                                     dt.date(2026, 12, 31))
    assert (january.start, january.end) == (dt.datetime(2026, 11, 30, 23), dt.datetime(2026, 12, 31, 23))
