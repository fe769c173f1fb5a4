"""Operators for tests: an account with a role, written straight to the database."""

from __future__ import annotations

from typing import Any

import pytest

from immo_connect.accounts.models import Account
from immo_connect.clock import utcnow
from immo_connect.errors import PermissionDenied
from immo_connect.operators.models import MoneyRequest, OperatorRole
from immo_connect.platform import Platform
from immo_connect.storage import transaction
from tests.support.factories import make_account


def make_operator(username: str, role: str, **fields: Any) -> Account:
    account = make_account(username, **fields)
    with transaction():
        OperatorRole.create(account=account.id, role=role, granted_at=utcnow(), granted_by="test")
    return account


def assert_only_another_finance_operator_approves(platform: Platform, request_id: int, asker: Account,
                                                  helpdesk: Account) -> None:
    """The operator who asked, and an operator without the finance role, are refused (four eyes)."""
    with pytest.raises(PermissionDenied) as same:
        platform.operators.money.approve(asker, request_id, "checked, ticket 12")
    assert same.value.code == "four_eyes_same_operator"
    with pytest.raises(PermissionDenied) as wrong_role:
        platform.operators.money.approve(helpdesk, request_id, "checked, ticket 12")
    assert wrong_role.value.code == "operator_role"
    assert MoneyRequest.get_by_id(request_id).status == "pending"
