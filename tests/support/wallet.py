"""Helpers for the wallet tests: a scene with members and managers, and the ledger checks."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from immo_connect.accounts.models import Account
from immo_connect.organisations.models import Organisation
from immo_connect.storage import database
from immo_connect.wallet import invariants
from tests.support.factories import add_member, make_account, make_organisation


@dataclasses.dataclass
class Scene:
    manager: Account  # manages both organisations
    member: Account  # active employee of the first one, with the wallet right "view"
    outsider: Account
    first: Organisation
    second: Organisation


def make_scene(member_right: str | None = "view") -> Scene:
    manager = make_account()
    member = make_account(first_name="Bert", last_name="Claes")
    outsider = make_account(first_name="Chris", last_name="Dubois")
    first = make_organisation(manager, name="Agence Lumière", address="Rue Haute 12, 1000 Bruxelles")
    second = make_organisation(manager, name="Immo Gent")
    add_member(first, member, wallet_right=member_right)
    return Scene(manager, member, outsider, first, second)


def ledger_problems() -> list[str]:
    """Every broken invariant, including idempotency keys used more than once."""
    problems = invariants.verify()
    keys = Counter(
        row[0] for row in database.obj.execute_sql(
            "SELECT idempotency_key FROM wallet_transaction WHERE idempotency_key IS NOT NULL"
        ).fetchall()
    )
    problems += [f"key {key} used {count} times" for key, count in keys.items() if count > 1]
    return problems


def balances() -> dict[int, int]:
    rows: list[Any] = database.obj.execute_sql("SELECT organisation_id, balance FROM wallet").fetchall()
    return {int(org): int(balance) for org, balance in rows}


def posting_count() -> int:
    """How many transaction rows carry a posting (moved money between two accounts)."""
    row = database.obj.execute_sql(
        "SELECT COUNT(*) FROM wallet_transaction WHERE debit_account IS NOT NULL"
    ).fetchone()
    return int(row[0])
