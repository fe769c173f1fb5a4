"""The demo accounts: created once, put back in their demo state on every run, usable at once."""

from __future__ import annotations

import pytest

from immo_connect.accounts import demo
from immo_connect.accounts.models import Account, LegacyCredential
from immo_connect.accounts.required import ACTIVATE, ADD_EMAIL, LINK_EID
from immo_connect.demo import DEMO_PASSWORD
from immo_connect.errors import ImmoConnectError
from immo_connect.platform import Platform


def test_seed_is_idempotent_and_restores_the_demo_state(platform: Platform) -> None:
    first = demo.seed(platform)
    assert f"(dont {len(demo.DEMO_ACCOUNTS)} nouveaux)" in first[0]  # the installation's language
    anne = platform.accounts.sign_in("anne.peeters", DEMO_PASSWORD)
    platform.accounts.change_password(platform.accounts.current(anne.token), DEMO_PASSWORD,
                                      "autre mot de passe 1", "autre mot de passe 1")
    for _ in range(6):
        with pytest.raises(ImmoConnectError):
            platform.accounts.sign_in("marc.dubois", "mauvais mot 1")
    again = demo.seed(platform)
    assert "(dont 0 nouveau)" in again[0]
    assert Account.select().count() == len(demo.DEMO_ACCOUNTS)
    assert platform.accounts.sign_in("anne.peeters", DEMO_PASSWORD).required_actions == (LINK_EID,)
    assert platform.accounts.sign_in("marc.dubois", DEMO_PASSWORD).username == "marc.dubois"


def test_demo_accounts_show_each_required_action(platform: Platform) -> None:
    demo.seed(platform)
    assert platform.accounts.sign_in("lucas.maes", DEMO_PASSWORD).next_action == ACTIVATE
    legacy = platform.accounts.sign_in("jdupont", DEMO_PASSWORD)
    assert legacy.next_action == ADD_EMAIL
    assert not LegacyCredential.select().exists()  # the old bcrypt hash was replaced at once
    assert Account.get(Account.username == "jdupont").password_hash.startswith("$argon2id$")
