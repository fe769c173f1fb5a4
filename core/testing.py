"""Helpers for the tests of plugins: a platform in a folder, a recognised manager, a funded wallet.

For vendors (docs/vendor-tool-guide.md, "Testing"): everything lives in the folder given
(a test's ``tmp_path``), never in the user's own data directory; the built-in recognition
sources read the example registers shipped with Immo-Connect, whose fictitious people hold
real-looking recognitions (:data:`AGENT_AND_SYNDIC` holds ``ipi.agent`` and ``ipi.syndic``).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path

from immo_connect.accounts.models import Account
from immo_connect.clock import utcnow
from immo_connect.config import load_settings
from immo_connect.eid import _numbers
from immo_connect.formats import enterprise
from immo_connect.organisations.data import sort_name
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.platform import Platform, create_platform
from immo_connect.plugins.recognitions._register_file import EXAMPLES
from immo_connect.storage import transaction

EXAMPLE_REGISTERS = EXAMPLES
AGENT_AND_SYNDIC = "85073003328"  # a fictitious person of the example IPI register
_SOURCES = (("biv_ipi", "biv_ipi.csv"), ("notaries", "notaries.csv"),
            ("land_surveyors", "land_surveyors.csv"), ("itaa", "itaa.csv"))
_counter = itertools.count(1)


def make_test_platform(folder: Path, *, plugins: Mapping[str, object] | None = None, config_text: str = "") -> Platform:
    """A migrated platform on a new SQLite database in ``folder``, its data under ``folder/data``.

    ``plugins`` maps plugin names to plugin modules (your own); installed distributions are
    not loaded, so the test sees exactly the built-in plugins and yours. ``config_text`` is
    added to a ``plugins.toml`` that points the recognition sources at the example registers.
    """
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "plugins.toml"
    registers = "".join(f'[plugins.{name}]\nregister = "{EXAMPLE_REGISTERS / file}"\n\n' for name, file in _SOURCES)
    config.write_text(registers + config_text, encoding="utf-8")
    environ = {"IMMO_CONNECT_DATA_DIR": str(folder / "data")}
    settings = load_settings(config, environ=environ, database_url=f"sqlite:///{folder / 'immo.sqlite3'}")
    return create_platform(settings, environ=environ, load_entrypoints=False, extra_plugins=plugins)


def make_manager(
    platform: Platform, *, username: str = "marc.janssens", organisation_name: str = "Agence du Parc",
    national_number: str = AGENT_AND_SYNDIC,
) -> tuple[Account, Organisation]:
    """An active account managing a new organisation, its eID identity linked as after a
    verified card (``national_number`` from the example registers) and its recognitions fetched."""
    n = next(_counter)
    now = utcnow()
    with transaction():
        account: Account = Account.create(
            username=username, email=f"{username}@example.be", first_name="Marc", last_name="Janssens",
            status="active", created_at=now,
        )
        body = f"0{(n * 7919) % 10_000_000:07d}"
        organisation: Organisation = Organisation.create(
            enterprise_number=body + enterprise.check_digits(body), name=organisation_name, created_at=now,
        )
        Membership.create(organisation=organisation, account=account, status="active", is_manager=True,
                          created_at=now, sort_name=sort_name("Marc", "Janssens", username))
        key = platform.settings.secret_key
        Account.update(
            national_number_hash=_numbers.number_hash(key, national_number),
            national_number_encrypted=_numbers.encrypt_number(key, account.id, national_number),
            eid_linked_at=platform.clock.now(),
        ).where(Account.id == account.id).execute()
    platform.recognitions.refresh(account.id)
    fresh: Account = Account.get_by_id(account.id)
    return fresh, organisation


def fund(platform: Platform, organisation_id: int, cents: int) -> None:
    """Credit ``cents`` to the organisation's wallet, as a received bank transfer."""
    platform.wallet.credit(organisation_id, cents, kind="bank_transfer", description="Test top-up",
                           idempotency_key=f"test-top-up-{organisation_id}-{next(_counter)}")
