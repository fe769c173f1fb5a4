"""Demo operators (step of ``immo-connect demo``, after the accounts step).

The back office's demo accounts get their roles: ``hugo.help`` the helpdesk, ``fin.anne``
and ``fin.bert`` finance (two, so a correction above the limit can be approved by the
other), ``ops.admin`` the administrator. Running the step again puts the roles back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.i18n import _
from immo_connect.operators.models import OperatorRole
from immo_connect.operators.words import role_word
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform

DEMO_OPERATORS = {"hugo.help": "helpdesk", "fin.anne": "finance", "fin.bert": "finance", "ops.admin": "admin"}


def seed(platform: Platform) -> list[str]:
    now = platform.clock.now()
    given: list[str] = []
    with transaction():
        for username, role in DEMO_OPERATORS.items():
            account: Account | None = Account.get_or_none(Account.username == username)
            if account is None:
                continue
            row: OperatorRole | None = OperatorRole.get_or_none(OperatorRole.account == account.id)
            if row is None:
                OperatorRole.create(account=account.id, role=role, granted_at=now, granted_by="demo")
            elif row.role != role:
                OperatorRole.update(role=role, granted_at=now, granted_by="demo").where(
                    OperatorRole.account == account.id).execute()
            if row is None or row.role != role:
                audit.record("operator.role_granted", actor="demo", target=username, source=platform.source, at=now,
                             detail={"reason": "demo data", "changed": {"role": [row.role if row else None, role]}})
            given.append(_("{username} ({state})").format(username=username, state=role_word(role)))
    if not given:
        return [_("Operators: skipped (the demo accounts are missing).")]
    return [_("Operators: {operators}; the back office opens with F4.").format(operators=", ".join(given))]
