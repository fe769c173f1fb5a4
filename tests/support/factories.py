"""Records for tests, written straight to the database (no mail, no hashing cost).

Use the services themselves when the behaviour under test is the creation; use these to set
the scene for everything else.
"""

from __future__ import annotations

import itertools
from typing import Any

from immo_connect.accounts.models import Account
from immo_connect.clock import utcnow
from immo_connect.organisations.data import sort_name
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.storage import transaction

_numbers = itertools.count(1)


def valid_enterprise_number(seed: int) -> str:
    """A 10-digit enterprise number that passes the mod-97 check (first digit 0)."""
    body = f"0{seed % 10_000_000:07d}"
    check = 97 - int(body) % 97
    return f"{body}{check:02d}"


def make_account(
    username: str | None = None,
    *,
    email: str | None = None,
    first_name: str = "Anne",
    last_name: str = "Peeters",
    status: str = "active",
    password: str | None = None,
    **fields: Any,
) -> Account:
    """An account; with ``password`` it can sign in (Argon2id at the minimum parameters)."""
    n = next(_numbers)
    username = username or f"user{n:04d}"
    if password is not None:
        from immo_connect.accounts.passwords import PasswordHasher

        fields.setdefault("password_hash", PasswordHasher().hash(password))
    with transaction():
        account: Account = Account.create(
            username=username,
            email=email if email is not None else f"{username}@example.be",
            first_name=first_name, last_name=last_name, status=status,
            created_at=utcnow(), **fields,
        )
    return account


def make_organisation(
    manager: Account | None = None,
    *,
    name: str | None = None,
    enterprise_number: str | None = None,
    **fields: Any,
) -> Organisation:
    n = next(_numbers)
    with transaction():
        organisation: Organisation = Organisation.create(
            enterprise_number=enterprise_number or valid_enterprise_number(n * 7919),
            name=name or f"Agence {n}", created_at=utcnow(), **fields,
        )
        if manager is not None:
            Membership.create(
                organisation=organisation, account=manager, status="active",
                is_manager=True, created_at=utcnow(), sort_name=_sort_name(manager),
            )
    return organisation


def _sort_name(account: Account) -> str:
    return sort_name(str(account.first_name), str(account.last_name), str(account.username))


def add_member(
    organisation: Organisation, account: Account, *, status: str = "active", is_manager: bool = False,
    wallet_right: str | None = None,
) -> Membership:
    """A membership; ``wallet_right`` (``"view"``, ``"top_up"``, ``"manage"``) stores that
    wallet right for it (none by default, as for a new employee)."""
    from immo_connect.wallet.models import WalletRight

    with transaction():
        membership: Membership = Membership.create(
            organisation=organisation, account=account, status=status,
            is_manager=is_manager, created_at=utcnow(), sort_name=_sort_name(account),
        )
        if wallet_right is not None:
            WalletRight.create(membership=membership.id, right=wallet_right, changed_at=utcnow())
    return membership
