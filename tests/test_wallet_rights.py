"""Wallet rights per employee: the authorization matrix (each right × each action × own or
other organisation), run on SQLite and PostgreSQL, and how managers set the rights."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from immo_connect.accounts.models import Account
from immo_connect.audit import AuditEvent
from immo_connect.errors import NotFoundError, PermissionDenied, ValidationError
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.payments.models import Payment
from immo_connect.platform import Platform
from immo_connect.wallet._views import TransactionFilter, encode_cursor
from immo_connect.wallet.models import WalletTransaction
from immo_connect.wallet.rights import RIGHTS, includes, require_wallet_right, wallet_right_of
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.topups import SANDBOX_ON

# Who acts: an employee with each stored right, and a manager (who always has "manage").
ACTORS = ("none", "view", "top_up", "manage", "manager")


@dataclasses.dataclass
class World:
    platform: Platform
    actors: dict[str, Account]
    own: Organisation  # where each actor holds its right
    own_second: Organisation  # a second wallet where each actor holds the same right (transfers)
    other: Organisation  # where no actor is a member
    top_up: dict[int, Payment]  # organisation id -> a paid online top-up
    charge_id: dict[int, int]  # organisation id -> a tool charge's transaction id
    counter: Any = dataclasses.field(default_factory=itertools.count)

    def key(self) -> str:
        return f"matrix:{next(self.counter)}"


def build(platform: Platform) -> World:
    boss = make_account("boss")
    outsider_boss = make_account("otherboss")
    own = make_organisation(boss, name="Agence Eigen")
    own_second = make_organisation(boss, name="Agence Tweede")
    other = make_organisation(outsider_boss, name="Agence Vreemd")
    actors: dict[str, Account] = {}
    for name in ACTORS:
        account = make_account(f"who-{name}".replace("_", "-"))
        actors[name] = account
        for organisation in (own, own_second):
            if name == "manager":
                add_member(organisation, account, is_manager=True)
            else:
                add_member(organisation, account, wallet_right=None if name == "none" else name)
    top_up: dict[int, Payment] = {}
    charge_id: dict[int, int] = {}
    for organisation, payer in ((own, boss), (own_second, boss), (other, outsider_boss)):
        payment = platform.payments.start_topup(payer, organisation.id, 500_00)
        top_up[int(organisation.id)] = platform.payments.simulate(payer, payment.id, "paid")
        charge = platform.wallet.charge(payer, organisation.id, 1_00, tool="btv", description="Use",
                                        idempotency_key=f"setup:{organisation.id}")
        charge_id[int(organisation.id)] = int(charge.id)
    return World(platform, actors, own, own_second, other, top_up, charge_id)


Action = Callable[[World, Account, Organisation], object]


def _page(w: World, actor: Account, org: Organisation) -> object:
    cursor = encode_cursor(WalletTransaction.get_by_id(w.charge_id[int(org.id)]))  # the page after the charge
    return w.platform.wallet.transactions(actor, org.id, after=cursor, limit=1)


def _csv(w: World, actor: Account, org: Organisation) -> object:
    import io

    w.platform.wallet.write_csv(actor, org.id, io.BytesIO())
    return None


def _transfer(w: World, actor: Account, org: Organisation) -> object:
    target = w.own_second if org.id == w.own.id else w.own
    return w.platform.wallet.transfer(actor, org.id, target.id, 1_00, description="Budget",
                                      idempotency_key=w.key())


def _refund(w: World, actor: Account, org: Organisation) -> object:
    return w.platform.payments.request_refund(actor, w.top_up[int(org.id)].id, 1_00)


# action -> (the call, the lowest right that allows it; None: any active member)
MATRIX: dict[str, tuple[Action, str | None]] = {
    "balance": (lambda w, a, o: w.platform.wallet.overview(a, o.id), "view"),
    "list": (lambda w, a, o: w.platform.wallet.transactions(a, o.id), "view"),
    "list filtered": (lambda w, a, o: w.platform.wallet.transactions(a, o.id, TransactionFilter(status="failed")),
                      "view"),
    "page": (_page, "view"),
    "one transaction": (lambda w, a, o: w.platform.wallet.transaction(a, w.charge_id[int(o.id)]), "view"),
    "« Par » choices": (lambda w, a, o: w.platform.wallet.by_choices(a, o.id), "view"),
    "csv stream": (_csv, "view"),
    "csv file": (lambda w, a, o: w.platform.wallet.export_csv(a, o.id), "view"),
    "voucher": (lambda w, a, o: w.platform.wallet.voucher_pdf(a, w.charge_id[int(o.id)]), "view"),
    "voucher file": (lambda w, a, o: w.platform.wallet.voucher_file(a, w.charge_id[int(o.id)]), "view"),
    "invoices (Wallet → Factures)": (lambda w, a, o: w.platform.invoices.invoices_of(a, o.id), "view"),
    "top-up check": (lambda w, a, o: w.platform.wallet.require_top_up_allowed(a, o.id), "top_up"),
    "bank transfer details": (lambda w, a, o: w.platform.payments.transfer_details(a, o.id), "top_up"),
    "online top-up start": (lambda w, a, o: w.platform.payments.start_topup(a, o.id, 60_00, request_key=w.key()),
                            "top_up"),
    "online top-up return": (lambda w, a, o: w.platform.payments.refresh(w.top_up[int(o.id)].id, actor=a),
                             "top_up"),
    "payment": (lambda w, a, o: w.platform.payments.get(a, w.top_up[int(o.id)].id), "top_up"),
    "transfer": (_transfer, "manage"),
    "refund offer": (lambda w, a, o: w.platform.payments.refund_offer(a, w.top_up[int(o.id)].transaction_id),
                     "manage"),
    "refundable top-ups": (lambda w, a, o: w.platform.payments.refundable_top_ups(a, o.id), "manage"),
    "refund": (_refund, "manage"),
    # Using a tool charges the wallet whatever the wallet right (the tool's access decides).
    "charge (tool use)": (lambda w, a, o: w.platform.wallet.charge(a, o.id, 50, tool="btv", description="Use",
                                                                   idempotency_key=w.key()), None),
}


def _held(actor: str) -> str:
    return "manage" if actor == "manager" else actor


def expected(actor: str, needed: str | None, own: bool) -> bool:
    if not own:
        return False
    return needed is None or includes(_held(actor), needed)


def test_the_wallet_authorization_matrix(make_platform: Callable[..., Platform], database_url: str) -> None:
    platform = make_platform(database_url, config_text=SANDBOX_ON)
    world = build(platform)
    refused = AuditEvent.select().where(AuditEvent.outcome == "refused")
    wrong: list[str] = []
    cells = 0
    for (action, (call, needed)), actor, own in itertools.product(MATRIX.items(), ACTORS, (True, False)):
        organisation = world.own if own else world.other
        allowed = expected(actor, needed, own)
        before = refused.count()
        try:
            call(world, world.actors[actor], organisation)
            outcome = "allowed"
        except PermissionDenied as error:
            outcome = "refused"
            if refused.count() != before + 1:
                wrong.append(f"{action} by {actor} ({'own' if own else 'other'}): refusal not audited once")
            if own and error.code != "wallet_right_missing":
                wrong.append(f"{action} by {actor}: code {error.code}")
        except (NotFoundError, ValidationError) as error:
            outcome = f"error {error.code}"
        cells += 1
        if outcome != ("allowed" if allowed else "refused"):
            wrong.append(f"{action} by {actor} ({'own' if own else 'other'} organisation): {outcome}, "
                         f"expected {'allowed' if allowed else 'refused'}")
    assert wrong == []
    assert cells == len(MATRIX) * len(ACTORS) * 2


def test_rights_include_the_lower_ones() -> None:
    for lower, higher in itertools.combinations(RIGHTS, 2):
        assert includes(higher, lower) and not includes(lower, higher)


def test_a_manager_sets_the_wallet_right_and_it_is_audited(platform: Platform) -> None:
    boss = make_account("boss")
    employee = make_account("emp")
    organisation = make_organisation(boss)
    membership = add_member(organisation, employee)
    assert wallet_right_of(employee.id, organisation.id) == "none"  # a new employee sees no wallet
    assert platform.wallet.organisations(employee) == []
    with pytest.raises(PermissionDenied):  # an employee cannot give itself a right
        platform.wallet.set_employee_right(employee, organisation.id, membership.id, "manage")
    with pytest.raises(ValidationError) as caught:
        platform.wallet.set_employee_right(boss, organisation.id, membership.id, "everything")
    assert caught.value.code == "wallet_right_invalid"

    assert platform.wallet.set_employee_right(boss, organisation.id, membership.id, "view") == "view"
    assert platform.wallet.employee_right(boss, organisation.id, membership.id) == "view"
    assert wallet_right_of(employee.id, organisation.id) == "view"
    assert [c.name for c in platform.wallet.organisations(employee)] == [organisation.name]
    assert platform.wallet.organisations(employee, right="top_up") == []
    changed = AuditEvent.get(AuditEvent.action == "wallet.right_changed")
    assert changed.actor == "boss" and '"to": "view"' in changed.detail and '"from": "none"' in changed.detail
    assert require_wallet_right(platform, employee, organisation.id, "view").right == "view"
    with pytest.raises(PermissionDenied):
        require_wallet_right(platform, employee, organisation.id, "top_up", action="invoice.list")
    assert AuditEvent.get(AuditEvent.action == "invoice.list").outcome == "refused"

    # Blocked, the employee has no right whatever is stored; a manager always manages.
    platform.organisations.block(boss, organisation.id, membership.id)
    assert wallet_right_of(employee.id, organisation.id) == "none"
    boss_membership = Membership.get((Membership.account == boss.id) & (Membership.organisation == organisation.id))
    assert platform.wallet.employee_right(boss, organisation.id, boss_membership.id) == "manage"
    assert wallet_right_of(boss.id, organisation.id) == "manage"


def test_the_demo_gives_marc_no_wallet_right_at_immo_peeters(platform: Platform) -> None:
    from immo_connect.demo import create

    create(platform)
    marc = Account.get(Account.username == "marc.dubois")
    peeters = Organisation.get(Organisation.name == "Immo Peeters")
    dubois = Organisation.get(Organisation.name == "Dubois & Fils")
    assert wallet_right_of(marc.id, peeters.id) == "none"
    assert wallet_right_of(marc.id, dubois.id) == "manage"
    with pytest.raises(PermissionDenied):
        platform.wallet.transactions(marc, peeters.id)
