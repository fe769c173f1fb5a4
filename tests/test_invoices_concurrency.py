"""Two servers run the same month's invoicing at the same moment on one PostgreSQL: every
organisation gets one invoice, and the year's numbers have neither gap nor duplicate."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from immo_connect.clock import FrozenClock
from immo_connect.invoices.models import Invoice
from immo_connect.platform import Platform
from tests.support.factories import make_account, make_organisation
from tests.support.invoices import AFTER_MONTH, IN_MONTH, MONTH, SELLER, charge, top_up
from tests.support.postgres import PostgresCluster

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ORGANISATIONS = 150
# Each process builds its platform, says "ready", waits for the go on stdin, then runs the month.
# Each invoice then takes a moment, as a long PDF would: on a loaded machine one process could
# otherwise issue them all before the other one is even scheduled, and nothing would be contended.
RUNNER = """
import sys
import time
from immo_connect.invoices import issue as issuing
from immo_connect.platform import create_platform

def paced(*args, **kwargs):
    made = issue(*args, **kwargs)
    time.sleep(0.02)
    return made

issue, issuing.issue = issuing.issue, paced
platform = create_platform(load_entrypoints=False)
platform.invoices.gatherer()
print("ready", flush=True)
sys.stdin.readline()
report = platform.invoices.run(sys.argv[1])
print(len(report.issued), report.already, flush=True)
"""


def test_two_processes_invoice_a_month_once_without_gaps(
    make_platform: Callable[..., Platform], pg_cluster: PostgresCluster, clock: FrozenClock, tmp_path: Path,
) -> None:
    database_url = pg_cluster.create_database("invoices")
    platform = make_platform(database_url, config_text=SELLER)
    clock.current = IN_MONTH
    manager = make_account()
    for index in range(ORGANISATIONS):
        organisation = make_organisation(manager, name=f"Agence {index}")
        top_up(platform, organisation, 10_000)
        charge(platform, manager, organisation, 150 + index, "cadastrefinder", 1 + index % 3)
    clock.current = AFTER_MONTH

    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    environ.update(IMMO_CONNECT_CONFIG=str(tmp_path / "plugins.toml"), IMMO_CONNECT_DATABASE_URL=database_url,
                   IMMO_CONNECT_DATA_DIR=str(tmp_path / "data"))
    processes = [subprocess.Popen([sys.executable, "-c", RUNNER, MONTH], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ)
                 for _ in range(2)]
    try:
        for process in processes:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        for process in processes:  # both go at once
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=240) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    assert [process.returncode for process in processes] == [0, 0], [err for _out, err in outputs]
    issued = [tuple(map(int, out.split())) for out, _err in outputs]
    assert sum(new for new, _already in issued) == ORGANISATIONS
    assert all(new + already == ORGANISATIONS for new, already in issued)
    assert all(new > 0 for new, _already in issued), issued  # both really took numbers

    invoices = list(Invoice.select().order_by(Invoice.sequence))
    assert len(invoices) == ORGANISATIONS
    assert len({int(i.organisation_id) for i in invoices}) == ORGANISATIONS
    assert [int(i.sequence) for i in invoices] == list(range(1, ORGANISATIONS + 1))
    year = int(invoices[0].year)  # the day the processes ran (their clock is the real one)
    assert [str(i.number) for i in invoices] == [f"{year}-{n:06d}" for n in range(1, ORGANISATIONS + 1)]
