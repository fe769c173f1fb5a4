"""Scenes for the tool and recognition tests: registers, linked identities, funded wallets.

``link_identity`` links a (test) identity to an account: it writes the same account fields
the eID service writes after verifying a card (keyed hash, encrypted number, link time),
with the eID area's own encryption functions, then asks the recognition sources, as the
eID service does after linking. Card reading itself is tested by the eID area.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from pathlib import Path

from immo_connect.accounts.models import Account
from immo_connect.eid import _numbers
from immo_connect.organisations.models import Organisation
from immo_connect.platform import Platform
from immo_connect.storage import transaction
from tests.support.factories import add_member, make_account, make_organisation

EXAMPLES = Path(__file__).resolve().parents[2] / "plugins" / "recognitions" / "examples"

# People of the example registers (fictitious): their national numbers and recognitions.
AGENT_AND_SYNDIC = "85073003328"  # ipi.agent + ipi.syndic
AGENT = "79031411875"  # ipi.agent
OTHER_AGENT = "77081622102"  # ipi.agent
REGISSEUR = "90110224513"  # ipi.regisseur
NOTARY = "68052108767"  # notary.notary
SURVEYOR = "82090916292"  # surveyor.land_surveyor
ACCOUNTANT = "75012731173"  # itaa.accountant + itaa.tax_adviser
EXPIRED_AGENT = "93061805443"  # ipi.agent, ended 2023-12-31
UNKNOWN_PERSON = "99123112343"  # valid number, in no register


def registers_config(examples: Path = EXAMPLES) -> str:
    """``plugins.toml`` text pointing the four built-in sources at their example registers."""
    return "".join(
        f'[plugins.{name}]\nregister = "{examples / file}"\n\n'
        for name, file in (
            ("biv_ipi", "biv_ipi.csv"), ("notaries", "notaries.csv"),
            ("land_surveyors", "land_surveyors.csv"), ("itaa", "itaa.csv"),
        )
    )


def write_identity(platform: Platform, account: Account, national_number: str) -> None:
    """Write the eID fields of ``account`` as the eID service does once a card is verified."""
    key = platform.settings.secret_key
    with transaction():
        Account.update(
            national_number_hash=_numbers.number_hash(key, national_number),
            national_number_encrypted=_numbers.encrypt_number(key, account.id, national_number),
            eid_linked_at=platform.clock.now(),
        ).where(Account.id == account.id).execute()


def link_identity(platform: Platform, account: Account, national_number: str) -> Account:
    """Link a test identity and fetch its recognitions; the fresh account."""
    write_identity(platform, account, national_number)
    platform.recognitions.refresh(account)
    fresh: Account = Account.get_by_id(account.id)
    return fresh


_keys = itertools.count(1)


def fund(platform: Platform, organisation: Organisation | int, cents: int) -> None:
    organisation_id = organisation if isinstance(organisation, int) else organisation.id
    platform.wallet.credit(
        organisation_id, cents, kind="bank_transfer", description="Test top-up",
        idempotency_key=f"test-topup-{organisation_id}-{next(_keys)}",
    )


@dataclasses.dataclass
class Agency:
    """An organisation with a recognised manager, an employee without recognition, a second
    recognised employee, a pending and a blocked member, and an outsider."""

    organisation: Organisation
    manager: Account  # ipi.agent + ipi.syndic, manager
    employee: Account  # no eID, active member
    agent: Account  # ipi.agent, active member (not manager)
    pending: Account
    blocked: Account
    outsider: Account


def make_agency(
    platform: Platform, name: str = "Agence du Parc", *,
    manager_number: str = AGENT_AND_SYNDIC, agent_number: str = AGENT,
) -> Agency:
    prefix = name.lower().replace(" ", "")[:12]
    manager = make_account(f"{prefix}-manager", first_name="Marc", last_name="Janssens")
    employee = make_account(f"{prefix}-employee", first_name="Emma", last_name="Willems")
    agent = make_account(f"{prefix}-agent", first_name="Sophie", last_name="Lambert")
    pending = make_account(f"{prefix}-pending", first_name="Paul", last_name="Pending")
    blocked = make_account(f"{prefix}-blocked", first_name="Bruno", last_name="Blocked")
    outsider = make_account(f"{prefix}-outsider", first_name="Olivia", last_name="Outsider")
    organisation = make_organisation(manager, name=name)
    add_member(organisation, employee)
    add_member(organisation, agent)
    add_member(organisation, pending, status="pending")
    add_member(organisation, blocked, status="blocked")
    manager = link_identity(platform, manager, manager_number)
    agent = link_identity(platform, agent, agent_number)
    return Agency(organisation, manager, employee, agent, pending, blocked, outsider)


def register_cadastrefinder(platform: Platform, agency: Agency) -> int:
    terms = platform.tools.tool("cadastrefinder").terms
    assert terms is not None
    return platform.tools.register(
        agency.manager, agency.organisation.id, "cadastrefinder", "agent", terms_version=terms.version,
    )


MakePlatform = Callable[..., Platform]
