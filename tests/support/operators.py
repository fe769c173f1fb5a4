"""Operators for tests: an account with a role, written straight to the database."""

from __future__ import annotations

from typing import Any

from immo_connect.accounts.models import Account
from immo_connect.clock import utcnow
from immo_connect.operators.models import OperatorRole
from immo_connect.storage import transaction
from tests.support.factories import make_account


def make_operator(username: str, role: str, **fields: Any) -> Account:
    account = make_account(username, **fields)
    with transaction():
        OperatorRole.create(account=account.id, role=role, granted_at=utcnow(), granted_by="test")
    return account
