"""The demo step of the tools area: recognitions, registrations, access and charged use, idempotent."""

from __future__ import annotations

from typing import Any

from immo_connect import demo
from immo_connect.plugins.tools.antiblanchiment.checks import AmlCheck
from immo_connect.plugins.tools.cadastrefinder.search import CadastreSearch
from immo_connect.recognitions.models import Recognition
from immo_connect.tools.models import ToolAccess, ToolRegistration
from immo_connect.wallet.models import WalletTransaction
from tests.support.tools import MakePlatform, registers_config


def counts() -> tuple[int, int, int, int, int, int]:
    return (Recognition.select().count(), ToolRegistration.select().count(), ToolAccess.select().count(),
            CadastreSearch.select().count(), AmlCheck.select().count(),
            charged_by_tools().count())


def charged_by_tools() -> Any:
    """The wallet transactions charged through ``platform.tools.charge`` (their keys start with tool:)."""
    return WalletTransaction.select().where(WalletTransaction.idempotency_key.startswith("tool:"))


def test_demo_tools_step_is_complete_and_idempotent(make_platform: MakePlatform) -> None:
    platform = make_platform(config_text=registers_config())
    demo.create(platform)
    first = counts()
    assert first == (4, 6, 11, 1, 1, 2)  # MyRent Pro twice: Dubois & Fils and Immo Peeters (the demo web tool)
    registered = {(r.tool, r.mode) for r in ToolRegistration.select()}
    assert ("cadastrefinder", "agent") in registered and ("myrentpro", "manager") in registered
    charged = {t.tool: t.status for t in charged_by_tools()}
    assert charged == {"cadastrefinder": "succeeded", "antiblanchiment": "succeeded"}
    demo.create(platform)
    assert counts() == first


def test_the_readme_says_who_has_an_eid_in_the_demo(make_platform: MakePlatform) -> None:
    import re
    from pathlib import Path

    from immo_connect.accounts.models import Account
    from immo_connect.accounts.required import LINK_EID

    platform = make_platform(config_text=registers_config())
    demo.create(platform)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z.]+)` \| (.+) \|$", readme, flags=re.MULTILINE))
    said = {username for username, who in rows.items() if "eID linked" in who and "no eID" not in who}
    linked = {str(a.username) for a in Account.select().where(Account.eid_linked_at.is_null(False))}
    assert set(rows) >= linked and said == linked
    without = [u for u, who in rows.items() if "no eID linked" in who]
    assert without
    for username in without:  # signs in right away; the only thing proposed is the eID link
        assert platform.accounts.sign_in(username, demo.DEMO_PASSWORD).required_actions == (LINK_EID,)
