"""A month of tool use in several organisations, and the ``[invoices]`` table that bills it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
import subprocess
from collections import defaultdict
from pathlib import Path

from immo_connect.accounts.models import Account
from immo_connect.organisations.models import Organisation
from immo_connect.platform import Platform
from immo_connect.wallet.models import WalletTransaction
from tests.support.factories import add_member, make_account, make_organisation

SELLER = """
[invoices]
enabled = true
seller_name = "Immo-Connect SRL"
street = "Rue de la Loi 1"
postal_code = "1000"
city = "Bruxelles"
enterprise_number = "0403.170.701"
iban = "BE71 0961 2345 6769"
bic = "GKCCBEBB"
email = "facturation@immo-connect.be"

[invoices.tool_vat_rates]
myrentpro = 6
"""

# A month of use, in Belgian time: October 2026 (its last hour is 22:00-23:00 UTC on the 31st).
MONTH = "2026-10"
IN_MONTH = dt.datetime(2026, 10, 14, 9, 0)
AFTER_MONTH = dt.datetime(2026, 11, 3, 8, 0)
_keys = itertools.count()


@dataclasses.dataclass
class Month:
    manager: Account
    organisations: list[Organisation]  # the last one has no use in the month
    charged: dict[int, int]  # organisation id -> cents taken by tools in the month
    corrected: dict[int, int]  # organisation id -> cents given back by corrections in the month


# The usage mode each tool runs under unless a test says otherwise.
USUAL_MODES = {"cadastrefinder": "agent", "antiblanchiment": "agent", "myrentpro": "manager"}
USUAL = "usual"


def charge(platform: Platform, actor: Account, organisation: Organisation, cents: int, tool: str, times: int = 1,
           mode: str | None = USUAL) -> int:
    """``times`` uses of ``tool`` at ``cents`` under ``mode`` (None: a charge without a usage mode)."""
    usage_mode = USUAL_MODES.get(tool) if mode == USUAL else mode
    for _ in range(times):
        done = platform.wallet.charge(actor, int(organisation.id), cents, tool=tool, description=f"{tool} use",
                                      idempotency_key=f"test:invoice:{next(_keys)}", usage_mode=usage_mode)
        assert done.status == "succeeded"
    return cents * times


def top_up(platform: Platform, organisation: Organisation, cents: int) -> None:
    platform.wallet.credit(int(organisation.id), cents, kind="online_topup", description="Bancontact",
                           idempotency_key=f"test:invoice:{next(_keys)}")


def make_month(platform: Platform, clock: object) -> Month:
    """Three organisations using tools in October (one with a correction given back), one
    without any use, and use in the months before and after that must not be invoiced."""
    clock.current = dt.datetime(2026, 9, 30, 21, 30)  # type: ignore[attr-defined]  # 23:30 in Brussels: September
    manager = make_account()
    member = make_account(first_name="Bert", last_name="Claes")
    organisations = [make_organisation(manager, name=name) for name in
                     ("Agence Lumière", "Immo Gent & Zonen", "Syndic <Horizon>", "Bureau Stil")]
    add_member(organisations[0], member)
    for organisation in organisations:
        top_up(platform, organisation, 1_000_000)
    charge(platform, manager, organisations[0], 150, "cadastrefinder")  # September: not invoiced
    clock.current = IN_MONTH  # type: ignore[attr-defined]
    charged: dict[int, int] = defaultdict(int)
    first, second, third, _idle = organisations
    charged[first.id] += charge(platform, member, first, 150, "cadastrefinder", 5)
    charged[first.id] += charge(platform, manager, first, 150, "cadastrefinder", 2, mode="notary")
    charged[first.id] += charge(platform, manager, first, 150, "cadastrefinder", 1, mode=None)  # mode not recorded
    charged[first.id] += charge(platform, manager, first, 1_600, "antiblanchiment", 3)
    charged[first.id] += charge(platform, manager, first, 250, "myrentpro", 2)
    charged[first.id] += charge(platform, manager, first, 199, "cadastrefinder", 1)  # an older price
    charged[second.id] += charge(platform, manager, second, 1_600, "antiblanchiment", 1)
    charged[third.id] += charge(platform, manager, third, 1, "cadastrefinder", 3)  # a price of one cent
    charged[third.id] += charge(platform, manager, third, 250, "myrentpro", 11)
    corrected = {int(second.id): 1_600}
    platform.wallet.correct(int(second.id), 1_600, description="Check charged twice",
                            idempotency_key=f"test:invoice:{next(_keys)}")
    clock.current = dt.datetime(2026, 10, 31, 23, 30)  # type: ignore[attr-defined]  # 00:30 on 1 November in Brussels
    charge(platform, manager, third, 150, "cadastrefinder")  # November: not invoiced
    clock.current = AFTER_MONTH  # type: ignore[attr-defined]
    return Month(manager, organisations, dict(charged), corrected)


def ledger_charges(organisation_id: int, start: dt.datetime, end: dt.datetime) -> int:
    """What the ledger took for tools from the organisation in [start, end), in cents (positive)."""
    rows = (WalletTransaction.select().join_from(WalletTransaction, WalletTransaction.wallet.rel_model)
            .where((WalletTransaction.wallet.rel_model.organisation == organisation_id)
                   & (WalletTransaction.kind == "tool_usage") & (WalletTransaction.status == "succeeded")
                   & (WalletTransaction.created_at >= start) & (WalletTransaction.created_at < end)))
    return -sum(int(row.amount) for row in rows)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return result.stdout


def amount_after(label: str, text: str) -> int:
    """The amount in cents printed after ``label`` on one line of the PDF's text (``1 234,56 €``)."""
    match = re.search(re.escape(label) + r"\s+(-?[\d\u202f ]+,\d\d) €", text)
    assert match, f"{label!r} not found in:\n{text}"
    whole, cents = match.group(1).replace("\u202f", "").replace(" ", "").split(",")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int(cents))
