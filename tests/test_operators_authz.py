"""Who may do what in the back office: each operator action × helpdesk, finance, admin, an
ordinary user, and the operator's own account and organisation, in the core services, on
SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from immo_connect import audit
from immo_connect.accounts.models import Account, Session
from immo_connect.bank.models import AccountStatementRow, BankEntry, StatementImport
from immo_connect.clock import utcnow
from immo_connect.errors import PermissionDenied
from immo_connect.operators.models import MoneyRequest
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.payments.models import PaymentReversal
from immo_connect.platform import Platform
from immo_connect.ssh.models import SshKey
from immo_connect.storage import transaction
from tests.support import statements
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.operators import make_operator
from tests.support.topups import SANDBOX_ON

_serial = itertools.count(1)
ROLES = ("helpdesk", "finance", "admin", "ordinary")


@pytest.fixture
def any_platform(make_platform: Callable[..., Platform], database_url: str) -> Platform:
    """On SQLite and PostgreSQL, with the sandbox payment provider (card refunds)."""
    return make_platform(database_url, config_text=SANDBOX_ON + '\n[operators]\nimport_folder = "data"\n')


@dataclasses.dataclass
class Scene:
    account: Account
    organisation: Organisation
    extra: dict[str, Any]


def _target(status: str = "active", *, email: bool = True, eid: bool = True) -> Account:
    n = next(_serial)
    account = make_account(f"target{n}", first_name="Tom", last_name=f"Target{n}", status=status)
    now = utcnow()
    with transaction():
        Account.update(locked_until=now + dt.timedelta(hours=1), failed_sign_ins=9,
                       eid_linked_at=now if eid else None, national_number_hash=f"h{n}" if eid else None,
                       email=account.email if email else None).where(Account.id == account.id).execute()
        SshKey.create(account=account.id, name="laptop", algorithm="ssh-ed25519", public_key=f"ssh-ed25519 AAAA{n}",
                      fingerprint=f"SHA256:test{n}", created_at=now)
        Session.create(account=account.id, token_hash=f"{n:064d}", created_at=now, last_seen_at=now,
                       expires_at=now + dt.timedelta(hours=1))
    return Account.get_by_id(account.id)


def _scene(**options: Any) -> Scene:
    account = _target(**options)
    organisation = make_organisation(account)
    return Scene(account, organisation, {})


def _orphan() -> Scene:
    """An organisation whose last manager left: one active member, no manager."""
    scene = _scene()
    with transaction():
        Membership.update(is_manager=False).where(Membership.organisation == scene.organisation.id).execute()
    scene.extra["membership"] = Membership.get(Membership.organisation == scene.organisation.id).id
    return scene


def _suspense() -> Scene:
    scene = _scene()
    n = next(_serial)
    with transaction():
        imported = StatementImport.create(filename="x.cod", format="coda", sha256=f"{n:064d}", operator="t",
                                          imported_at=utcnow())
        entry = BankEntry.create(entry_key=f"k{n}", statement_import=imported, format="coda", position="1",
                                 amount_cents=40_00, status="suspense", problem="no_communication",
                                 created_at=utcnow())
    scene.extra["entry"] = entry.id
    return scene


def _waiting(platform: Platform) -> Scene:
    scene = _scene()
    asker = make_operator(f"asker{next(_serial)}", "finance")
    scene.extra["request"] = platform.operators.money.request(
        asker, scene.organisation.id, "credit", 900_00, "goodwill, ticket 4").id
    return scene


def _paid_top_up(p: Platform) -> Scene:
    """An organisation whose manager paid a card top-up of 100 EUR (sandbox provider)."""
    scene = _scene()
    payment = p.payments.start_topup(scene.account, scene.organisation.id, 100_00)
    scene.extra["payment"] = p.payments.simulate(scene.account, payment.id, "paid").id
    return scene


def _statement_file(p: Platform) -> Scene:
    """A CODA statement that follows the last one imported (so each import is a new one)."""
    scene = _scene()
    last = AccountStatementRow.select().order_by(AccountStatementRow.id.desc()).first()
    sequence, opening = (int(last.label) + 1, int(last.closing_cents)) if last else (5, 500_000_00)
    path = p.settings.data_dir / f"statement-{sequence}.cod"
    path.write_text(statements.coda([statements.Move(f"AUTHZ{sequence:04d}", 25_00, free="no communication")],
                                    sequence=sequence, old_cents=opening), newline="")
    scene.extra["file"] = path
    return scene


def _view(p: Platform, actor: Account, s: Scene) -> None:
    p.operators.view(actor, s.account.id)


def _find(p: Platform, actor: Account, s: Scene) -> None:
    assert p.operators.find(actor, str(s.account.last_name)).total == 1


# name: (capability's roles, prepare, act, changed?) — changed tells whether the action took effect
Action = tuple[set[str], Callable[[Platform], Scene], Callable[[Platform, Account, Scene], Any],
               Callable[[Scene], bool]]
ACCOUNT_ACTIONS: dict[str, Action] = {
    "view": ({"helpdesk", "finance", "admin"}, lambda p: _scene(), _view, lambda s: True),
    "resend_activation": ({"helpdesk", "admin"}, lambda p: _scene(status="pending"),
                          lambda p, a, s: p.operators.help.resend_activation(a, s.account.id, "ticket 1"),
                          lambda s: audit.AuditEvent.select().where(
                              (audit.AuditEvent.action == "operator.activation_resent")
                              & (audit.AuditEvent.target == s.account.username)).exists()),
    "unlock": ({"helpdesk", "admin"}, lambda p: _scene(),
               lambda p, a, s: p.operators.help.unlock(a, s.account.id, "ticket 1"),
               lambda s: Account.get_by_id(s.account.id).locked_until is None),
    "block": ({"helpdesk", "admin"}, lambda p: _scene(),
              lambda p, a, s: p.operators.help.set_status(a, s.account.id, "blocked", "ticket 1"),
              lambda s: Account.get_by_id(s.account.id).status == "blocked"),
    "unblock": ({"helpdesk", "admin"}, lambda p: _scene(status="blocked"),
                lambda p, a, s: p.operators.help.set_status(a, s.account.id, "active", "ticket 1"),
                lambda s: Account.get_by_id(s.account.id).status == "active"),
    "delete": ({"admin"}, lambda p: _scene(),
               lambda p, a, s: p.operators.help.set_status(a, s.account.id, "deleted", "ticket 1"),
               lambda s: Account.get_by_id(s.account.id).status == "deleted"),
    "end_sessions": ({"helpdesk", "admin"}, lambda p: _scene(),
                     lambda p, a, s: p.operators.help.end_sessions(a, s.account.id, "ticket 1"),
                     lambda s: not Session.select().where((Session.account == s.account.id)
                                                          & Session.ended_at.is_null()).exists()),
    "remove_ssh_key": ({"helpdesk", "admin"}, lambda p: _scene(),
                       lambda p, a, s: p.operators.help.remove_ssh_key(
                           a, s.account.id, SshKey.get(SshKey.account == s.account.id).id, "ticket 1"),
                       lambda s: not SshKey.select().where(SshKey.account == s.account.id).exists()),
    "add_email": ({"helpdesk", "admin"}, lambda p: _scene(email=False, status="pending"),
                  lambda p, a, s: p.operators.help.add_email(a, s.account.id, f"new.{s.account.username}@example.be",
                                                             "ticket 1"),
                  lambda s: audit.AuditEvent.select().where((audit.AuditEvent.action == "operator.email_added")
                                                            & (audit.AuditEvent.target == s.account.username)).exists()),
    "unlink_eid": ({"helpdesk", "admin"}, lambda p: _scene(),
                   lambda p, a, s: p.operators.help.unlink_eid(a, s.account.id, "new card, ticket 1"),
                   lambda s: Account.get_by_id(s.account.id).eid_linked_at is None),
}
ORGANISATION_ACTIONS: dict[str, Action] = {
    "reinstate_manager": ({"helpdesk", "admin"}, lambda p: _orphan(),
                          lambda p, a, s: p.operators.help.reinstate_manager(
                              a, s.organisation.id, s.extra["membership"], "last manager left, ticket 2"),
                          lambda s: Membership.get_by_id(s.extra["membership"]).is_manager),
    "bank_assign": ({"finance", "admin"}, lambda p: _suspense(),
                    lambda p, a, s: p.operators.money.assign(a, s.extra["entry"], s.organisation.id, "ticket 3"),
                    lambda s: BankEntry.get_by_id(s.extra["entry"]).status == "assigned"),
    "correction": ({"finance", "admin"}, lambda p: _scene(),
                   lambda p, a, s: p.operators.money.request(a, s.organisation.id, "credit", 10_00, "ticket 3"),
                   lambda s: MoneyRequest.select().where(MoneyRequest.organisation == s.organisation.id).exists()),
    "approve": ({"finance", "admin"}, _waiting,
                lambda p, a, s: p.operators.money.approve(a, s.extra["request"], "checked, ticket 12"),
                lambda s: MoneyRequest.get_by_id(s.extra["request"]).status == "booked"),
    "reject": ({"finance", "admin"}, _waiting,
               lambda p, a, s: p.operators.money.reject(a, s.extra["request"], "no ticket"),
               lambda s: MoneyRequest.get_by_id(s.extra["request"]).status == "rejected"),
    "card_refund": ({"finance", "admin"}, _paid_top_up,
                    lambda p, a, s: p.operators.money.refund_payment(a, s.extra["payment"], 10_00, "ticket 5"),
                    lambda s: PaymentReversal.select().where((PaymentReversal.payment == s.extra["payment"])
                                                             & (PaymentReversal.status == "refunded")).exists()),
}
# Actions on no one account or organisation.
PLATFORM_ACTIONS: dict[str, Action] = {
    "bank_import": ({"finance", "admin"}, _statement_file,
                    lambda p, a, s: p.operators.money.import_file(a, s.extra["file"], "daily statement"),
                    lambda s: StatementImport.select().where(StatementImport.filename == s.extra["file"].name).exists()),
    "bank_import_from_folder": (
        {"finance", "admin"}, _statement_file,
        lambda p, a, s: p.operators.money.import_from_folder(a, s.extra["file"].name, "daily statement"),
        lambda s: StatementImport.select().where(StatementImport.filename == s.extra["file"].name).exists()),
}
LISTS: dict[str, tuple[set[str], Callable[[Platform, Account], Any]]] = {
    "find": ({"helpdesk", "finance", "admin"}, lambda p, a: p.operators.find(a, "target")),
    "suspense": ({"finance", "admin"}, lambda p, a: p.operators.money.suspense(a)),
    "pending": ({"finance", "admin"}, lambda p, a: p.operators.money.pending(a)),
    "imports": ({"finance", "admin"}, lambda p, a: p.operators.money.imports(a)),
    "reconciliation": ({"finance", "admin"}, lambda p, a: p.operators.money.reconciliation(a)),
    "list_operators": ({"admin"}, lambda p, a: p.operators.roles.list(a)),
    "grant": ({"admin"}, lambda p, a: p.operators.roles.grant(a, make_account().username, "helpdesk", "new hire")),
}


def _actor(role: str) -> Account:
    name = f"{role}{next(_serial)}"
    return make_account(name) if role == "ordinary" else make_operator(name, role)


def _refusals(actor: Account) -> list[str]:
    rows = audit.AuditEvent.select().where((audit.AuditEvent.actor_id == actor.id)
                                           & (audit.AuditEvent.outcome == "refused"))
    return [str(row.detail) for row in rows]


def _check(platform: Platform, allowed: set[str], act: Callable[[Account], Any],
           changed: Callable[[], bool] | None, role: str) -> None:
    actor = _actor(role)
    if role in allowed:
        act(actor)
        assert changed is None or changed(), role
        assert not _refusals(actor)
    else:
        with pytest.raises(PermissionDenied) as caught:
            act(actor)
        assert caught.value.code == "operator_role", role
        assert changed is None or not changed(), role
        assert "operator_role" in _refusals(actor)[0]


EVERY_ACTION = {**ACCOUNT_ACTIONS, **ORGANISATION_ACTIONS, **PLATFORM_ACTIONS}


@pytest.mark.parametrize("name", sorted(EVERY_ACTION))
def test_each_action_by_each_role(any_platform: Platform, name: str) -> None:
    allowed, prepare, act, changed = EVERY_ACTION[name]
    for role in ROLES:
        scene = prepare(any_platform)
        _check(any_platform, allowed, lambda actor: act(any_platform, actor, scene),  # noqa: B023
               None if name == "view" else lambda: changed(scene), role)  # noqa: B023


@pytest.mark.parametrize("name", sorted(LISTS))
def test_each_list_by_each_role(any_platform: Platform, name: str) -> None:
    allowed, read = LISTS[name]
    for role in ROLES:
        _check(any_platform, allowed, lambda actor: read(any_platform, actor), None, role)


@pytest.mark.parametrize("name", sorted(ACCOUNT_ACTIONS))
def test_no_operator_acts_on_their_own_account(any_platform: Platform, name: str) -> None:
    _allowed, prepare, act, changed = ACCOUNT_ACTIONS[name]
    scene = prepare(any_platform)
    from immo_connect.operators.models import OperatorRole

    with transaction():  # the target account itself becomes an (active) admin
        OperatorRole.create(account=scene.account.id, role="admin", granted_at=utcnow(), granted_by="test")
        Account.update(status="active").where(Account.id == scene.account.id).execute()
    scene.account = Account.get_by_id(scene.account.id)
    with pytest.raises(PermissionDenied) as caught:
        act(any_platform, scene.account, scene)
    assert caught.value.code == "operator_own_account"
    if name not in ("view", "unblock"):  # an unblocked account cannot hold a role acting: nothing to compare
        assert not changed(scene)
    assert "operator_own_account" in _refusals(scene.account)[0]


@pytest.mark.parametrize("name", sorted(ORGANISATION_ACTIONS))
@pytest.mark.parametrize("status", ["active", "pending", "blocked"])
def test_no_operator_acts_on_an_organisation_they_belong_to(any_platform: Platform, name: str, status: str) -> None:
    _allowed, prepare, act, changed = ORGANISATION_ACTIONS[name]
    scene = prepare(any_platform)
    member = make_operator(f"member{next(_serial)}", "admin")
    add_member(scene.organisation, member, status=status)
    with pytest.raises(PermissionDenied) as caught:
        act(any_platform, member, scene)
    assert caught.value.code == "operator_own_organisation"
    assert not changed(scene)


def test_an_inactive_operator_is_refused(any_platform: Platform) -> None:
    scene = _scene()
    blocked = make_operator("gone.admin", "admin", status="blocked")
    with pytest.raises(PermissionDenied) as caught:
        any_platform.operators.help.unlock(blocked, scene.account.id, "ticket")
    assert caught.value.code == "account_inactive"
