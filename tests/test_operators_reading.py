"""What the command line prints for scripts (audit log, online top-ups, their reversals, a
wallet) is checked in the core as the back office screens check it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from immo_connect import audit
from immo_connect.errors import PermissionDenied
from immo_connect.platform import Platform
from tests.support.factories import make_account, make_organisation
from tests.support.operators import make_operator


@pytest.fixture
def desk(make_platform: Callable[..., Platform], database_url: str) -> Platform:
    return make_platform(database_url)


READS: dict[str, Callable[[Platform, int, int], object]] = {
    "audit": lambda p, actor, org: list(p.operators.reading.audit_log(actor, audit.AuditFilter())),
    "payments": lambda p, actor, org: p.operators.reading.payments(actor, organisation_id=org),
    "reversals": lambda p, actor, org: p.operators.reading.reversals(actor, 1),
    "wallet": lambda p, actor, org: p.operators.reading.wallet(actor, org),
}
ALLOWED = {"audit": {"helpdesk", "finance", "admin"}, "payments": {"finance", "admin"},
           "reversals": {"finance", "admin"}, "wallet": {"finance", "admin"}}


@pytest.mark.parametrize("read", sorted(READS))
def test_each_read_needs_the_role_its_screen_needs(desk: Platform, read: str) -> None:
    manager = make_account("sandra")
    organisation = int(make_organisation(manager).id)
    for role in ("helpdesk", "finance", "admin"):
        operator = make_operator(f"op.{role}", role)
        if role in ALLOWED[read]:
            READS[read](desk, int(operator.id), organisation)
        else:
            with pytest.raises(PermissionDenied) as refused:
                READS[read](desk, int(operator.id), organisation)
            assert refused.value.code == "operator_role"
    with pytest.raises(PermissionDenied):  # an ordinary user, even the organisation's manager
        READS[read](desk, int(manager.id), organisation)
    refusals = audit.AuditEvent.select().where((audit.AuditEvent.outcome == "refused")
                                               & (audit.AuditEvent.actor == "sandra"))
    assert refusals.count() == 1


def test_the_wallet_read_shows_balance_and_communication(desk: Platform) -> None:
    from immo_connect.formats import ogm

    organisation = int(make_organisation(make_account("sandra")).id)
    other = int(make_organisation(make_account("bert"), name="Other", enterprise_number="0750000139").id)
    for n, cents in enumerate((120_00, 30_50)):
        desk.wallet.credit(organisation, cents, kind="bank_transfer", description="Virement",
                           idempotency_key=f"test:read:{n}")
    desk.wallet.credit(other, 7_00, kind="bank_transfer", description="Virement", idempotency_key="test:read:other")
    shown = desk.operators.reading.wallet(make_operator("fin.anne", "finance"), organisation)
    assert (shown.organisation_id, shown.balance_cents, shown.transactions) == (organisation, 150_50, 2)
    # The communication that pays into this wallet, not another's.
    assert ogm.validate(shown.structured_communication) == str(desk.wallet.ensure_wallet(organisation)
                                                                .structured_communication)
    assert shown.structured_communication != desk.wallet.structured_communication(other)
