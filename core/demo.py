"""Demo data, so a newcomer sees a living system at the first start.

Each area of the platform contributes one step (a module with ``seed(platform) -> list[str]``)
that is idempotent: it creates what is missing and puts the demo records back in their
demo state, so ``immo-connect demo`` can run any number of times. Demo accounts use the
password :data:`DEMO_PASSWORD`, printed by the command.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from immo_connect import audit
from immo_connect.i18n import _
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform

DEMO_PASSWORD = "demo-immo-2026"

# In dependency order; each area appends its step here as it lands.
STEPS: tuple[str, ...] = (
    "immo_connect.accounts.demo",
    "immo_connect.operators.demo",
    "immo_connect.organisations.demo",
    "immo_connect.wallet.demo",
    "immo_connect.payments.demo",
    "immo_connect.tools.demo",  # after the top-ups: its demo searches are charged
)


def create(platform: Platform) -> list[str]:
    """Create or reset the demo data; return a short report for the terminal."""
    report: list[str] = []
    for step in STEPS:
        report += importlib.import_module(step).seed(platform)
    with transaction():
        audit.record("demo.created", target="demo", source=platform.source)
    report.append(_("Demo data ready. Demo accounts use the password: {password}").format(password=DEMO_PASSWORD))
    return report


def ensure(platform: Platform) -> bool:
    """Create the demo data once, on an empty database; True when it was created now."""
    if audit.AuditEvent.select().where(audit.AuditEvent.action == "demo.created").exists():
        return False
    create(platform)
    return True
