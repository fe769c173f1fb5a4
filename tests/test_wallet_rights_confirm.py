"""Confirming a join request saves the membership, its tool access and its wallet right in one
transaction, on SQLite and PostgreSQL: all or nothing, proven by failures injected after the
first writes (the membership's, then the tool access')."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from immo_connect.audit import AuditEvent
from immo_connect.errors import ValidationError
from immo_connect.mail.models import OutboxMessage
from immo_connect.organisations.models import Membership
from immo_connect.platform import Platform
from immo_connect.tools.models import ToolAccess
from immo_connect.wallet.models import WalletRight
from immo_connect.wallet.rights import wallet_right_of
from tests.support.factories import add_member, make_account
from tests.support.tools import Agency, make_agency, register_cadastrefinder, registers_config

ACCESS = {("cadastrefinder", "agent"): "role:assistant"}


def _request(platform: Platform) -> tuple[Agency, Membership]:
    agency = make_agency(platform)
    register_cadastrefinder(platform, agency)
    asker = make_account("asker", first_name="Alice", last_name="Asker")
    return agency, add_member(agency.organisation, asker, status="pending")


def _nothing_saved(agency: Agency, membership: Membership, outbox_before: int) -> None:
    assert Membership.get_by_id(membership.id).status == "pending"
    assert not ToolAccess.select().where(ToolAccess.account == membership.account_id).exists()
    assert not WalletRight.select().where(WalletRight.membership == membership.id).exists()
    assert wallet_right_of(membership.account_id, agency.organisation.id) == "none"
    assert not AuditEvent.select().where(AuditEvent.action.in_(
        ["org.employee.confirmed", "wallet.right_changed"])).exists()
    assert OutboxMessage.select().count() == outbox_before  # nobody was told of a confirmation


def test_the_confirmation_saves_membership_tool_access_and_wallet_right_together(
    make_platform: Callable[..., Platform], database_url: str,
) -> None:
    platform = make_platform(database_url, config_text=registers_config())
    agency, membership = _request(platform)
    row = platform.organisations.confirm(agency.manager, agency.organisation.id, membership.id,
                                         tool_modes=ACCESS, wallet_right="top_up")
    assert row.status == "active"
    assert wallet_right_of(membership.account_id, agency.organisation.id) == "top_up"
    access = platform.tools.employee_tools(agency.manager, agency.organisation.id, membership.account_id)
    assert [(item.tool, item.mode, item.access.choice) for item in access] == [
        ("cadastrefinder", "agent", "role:assistant")]
    assert AuditEvent.get(AuditEvent.action == "wallet.right_changed").detail.count('"to": "top_up"') == 1


@pytest.mark.parametrize("failing", ["tools", "wallet"])
def test_a_failure_after_the_first_write_saves_nothing(
    make_platform: Callable[..., Platform], database_url: str, monkeypatch: pytest.MonkeyPatch, failing: str,
) -> None:
    platform = make_platform(database_url, config_text=registers_config())
    agency, membership = _request(platform)
    outbox_before = OutboxMessage.select().count()
    service: Any = platform.tools if failing == "tools" else platform.wallet
    name = "save_employee_tools" if failing == "tools" else "set_employee_right"
    real = getattr(service, name)
    written: list[str] = []

    def write_then_fail(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)  # its rows are written (after the membership's) ...
        written.append(name)
        raise OSError("disk full")  # ... and then the confirmation fails

    monkeypatch.setattr(service, name, write_then_fail)
    with pytest.raises(OSError):
        platform.organisations.confirm(agency.manager, agency.organisation.id, membership.id,
                                       tool_modes=ACCESS, wallet_right="view")
    assert written == [name]
    _nothing_saved(agency, membership, outbox_before)

    # The manager tries again once the cause is gone: everything is saved, once.
    monkeypatch.undo()
    platform.organisations.confirm(agency.manager, agency.organisation.id, membership.id,
                                   tool_modes=ACCESS, wallet_right="view")
    assert wallet_right_of(membership.account_id, agency.organisation.id) == "view"
    assert ToolAccess.select().where(ToolAccess.account == membership.account_id).count() == 1


def test_a_wrong_wallet_right_refuses_the_whole_confirmation(make_platform: Callable[..., Platform]) -> None:
    platform = make_platform(config_text=registers_config())
    agency, membership = _request(platform)
    outbox_before = OutboxMessage.select().count()
    with pytest.raises(ValidationError) as caught:
        platform.organisations.confirm(agency.manager, agency.organisation.id, membership.id,
                                       tool_modes=ACCESS, wallet_right="everything")
    assert caught.value.code == "wallet_right_invalid"
    _nothing_saved(agency, membership, outbox_before)
