"""What one person is shown of a wallet's rows: « Par » (who did it), the description with
confidential details hidden, and the amount that really moved.

* **Par**: the person's name (never a username), « virement bancaire » for a bank transfer,
  « correction » for an operator's correction, and for money a payment provider or a bank
  took back without a person, who did it.
* **Confidential details**: a tool marks a charge's description confidential (who was
  checked for money laundering, which parcel was searched); the row then also stores what
  the others see, e.g. « Anti-Blanchiment — vérification » (``public_description``). The
  full description is shown to the person who did it, to the managers and to the members
  with access to that tool in the organisation; the others see the tool and the amount only.
* **Moved**: a failed or pending row moved nothing (0), whatever amount was asked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from immo_connect.accounts.models import Account
from immo_connect.i18n import N_, _
from immo_connect.wallet.models import (
    KIND_BANK_TRANSFER,
    KIND_CORRECTION,
    KIND_ONLINE_TOPUP,
    STATUS_SUCCEEDED,
    WalletTransaction,
)

BY_BANK_TRANSFER = "bank_transfer"
BY_CORRECTION = "correction"
BY_PREFIX = "account:"
# Who a row is "by" when no person is (kinds without an actor).
_BY_KIND: dict[str, str] = {
    KIND_BANK_TRANSFER: N_("bank transfer"),
    KIND_CORRECTION: N_("correction"),
}
_BY_NOBODY: dict[str, str] = {
    KIND_ONLINE_TOPUP: N_("online payment"),
}
_BANK_REASONS = ("transfer_returned", "transfer_recalled")


@dataclasses.dataclass(frozen=True)
class Viewer:
    """The person looking: its account, whether it manages, the tools it may use here."""

    account_id: int
    is_manager: bool
    tools: frozenset[str]

    def sees_details(self, row: WalletTransaction) -> bool:
        return (not row.public_description or self.is_manager or row.actor_id == self.account_id
                or str(row.tool) in self.tools)


def viewer(account_id: int, organisation_id: int, is_manager: bool) -> Viewer:
    """The viewer with the tools it has a granted access to in the organisation."""
    if is_manager:
        return Viewer(account_id, True, frozenset())
    from immo_connect.tools.models import ToolAccess, ToolRegistration

    query = (ToolRegistration.select(ToolRegistration.tool)
             .join(ToolAccess, on=(ToolAccess.registration == ToolRegistration.id))
             .where((ToolRegistration.organisation == organisation_id) & (ToolAccess.account == account_id)
                    & (ToolAccess.state == "granted")))
    rows: list[Any] = list(query.tuples())
    return Viewer(account_id, False, frozenset(str(row[0]) for row in rows))


def names(account_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of the accounts, in one query."""
    wanted = sorted({int(i) for i in account_ids if i is not None})
    if not wanted:
        return {}
    return {int(a.id): str(a.display_name) for a in Account.select().where(Account.id.in_(wanted))}


def by_label(row: WalletTransaction, known: dict[int, str]) -> str:
    """The « Par » of a row (translated): a person's name, or what did it."""
    actor = None if row.actor_id is None else int(row.actor_id)
    return by_text(str(row.kind), actor, str(row.actor_name), str(row.failure_reason), known)


def by_text(kind: str, actor_id: int | None, actor_name: str, reason: str, known: dict[int, str]) -> str:
    """:func:`by_label` from the row's columns."""
    if kind in _BY_KIND:
        return _(_BY_KIND[kind])
    if actor_id is not None:
        return known.get(actor_id) or actor_name
    if kind in _BY_NOBODY:
        return _(_BY_NOBODY[kind])
    if reason in _BANK_REASONS:
        return _(_BY_KIND[KIND_BANK_TRANSFER])
    return _("payment provider")


def description(row: WalletTransaction, who: Viewer) -> str:
    """The description as ``who`` may see it."""
    return str(row.description) if who.sees_details(row) else str(row.public_description)


def moved(row: WalletTransaction) -> int:
    """The cents that really moved: the amount of a succeeded row, 0 otherwise."""
    return int(row.amount) if row.status == STATUS_SUCCEEDED else 0
