"""The authorization matrix: every organisation action as every role, allowed or refused.

A pending or blocked member is a stranger; refusals are in the audit log.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from typing import Any

import pytest

from immo_connect import audit
from immo_connect.errors import PermissionDenied
from immo_connect.organisations.models import Membership
from immo_connect.platform import Platform
from tests.support.factories import add_member, make_account, make_organisation
from tests.support.organisations import employee_data, organisation_data


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


PNG = _png()


@dataclasses.dataclass
class Scene:
    platform: Platform
    organisation_id: int
    manager: Any
    actors: dict[str, Any]
    pending: Membership
    active: Membership
    blocked: Membership
    outsider: Any


ROLES = ("stranger", "pending", "employee", "blocked", "manager", "other_manager")


@pytest.fixture
def scene(platform: Platform) -> Scene:
    manager = make_account("mgr")
    organisation = make_organisation(manager)
    other = make_organisation(make_account("othermgr"))
    actors = {"manager": manager, "other_manager": other.memberships[0].account,
              "stranger": make_account("stranger")}
    for role, status in (("pending", "pending"), ("employee", "active"), ("blocked", "blocked")):
        actors[role] = make_account(f"actor_{role}")
        add_member(organisation, actors[role], status=status)
    targets = {s: add_member(organisation, make_account(f"target_{s}"), status=s)
               for s in ("pending", "active", "blocked")}
    return Scene(platform, organisation.id, manager, actors, targets["pending"], targets["active"],
                 targets["blocked"], make_account("outsider"))


Action = Callable[[Scene, Any], object]

# (name, call, roles allowed besides "manager")
ACTIONS: list[tuple[str, Action, tuple[str, ...]]] = [
    ("view", lambda s, a: s.platform.organisations.view(a, s.organisation_id), ("employee",)),
    ("image", lambda s, a: s.platform.organisations.image(a, s.organisation_id, "logo"), ("employee",)),
    ("require_member", lambda s, a: s.platform.organisations.require_member(a, s.organisation_id),
     ("employee",)),
    ("require_manager", lambda s, a: s.platform.organisations.require_manager(a, s.organisation_id), ()),
    ("update", lambda s, a: s.platform.organisations.update(a, s.organisation_id, organisation_data("New")), ()),
    ("set_logo", lambda s, a: s.platform.organisations.set_image(a, s.organisation_id, "logo", PNG), ()),
    ("remove_cover", lambda s, a: s.platform.organisations.remove_image(a, s.organisation_id, "cover"), ()),
    ("list_employees", lambda s, a: s.platform.organisations.list_employees(a, s.organisation_id), ()),
    ("pending_count", lambda s, a: s.platform.organisations.pending_count(a, s.organisation_id), ()),
    ("employee", lambda s, a: s.platform.organisations.employee(a, s.organisation_id, s.active.id), ()),
    ("confirm", lambda s, a: s.platform.organisations.confirm(a, s.organisation_id, s.pending.id), ()),
    ("block", lambda s, a: s.platform.organisations.block(a, s.organisation_id, s.active.id), ()),
    ("activate", lambda s, a: s.platform.organisations.activate(a, s.organisation_id, s.blocked.id), ()),
    ("remove", lambda s, a: s.platform.organisations.remove(a, s.organisation_id, s.active.id), ()),
    ("grant_manager", lambda s, a: s.platform.organisations.set_manager(a, s.organisation_id, s.active.id, True), ()),
    ("update_employee", lambda s, a: s.platform.organisations.update_employee(
        a, s.organisation_id, s.active.id, employee_data("Comptable")), ()),
    ("find_account", lambda s, a: s.platform.organisations.find_account(a, s.organisation_id, "outsider"), ()),
    ("add_existing", lambda s, a: s.platform.organisations.add_existing(
        a, s.organisation_id, "outsider@example.be", employee_data()), ()),
]


def _refusals(actor: Any) -> int:
    return (audit.AuditEvent.select()
            .where((audit.AuditEvent.actor_id == actor.id) & (audit.AuditEvent.outcome == "refused"))
            .count())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "action", "also_allowed"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_matrix(scene: Scene, role: str, name: str, action: Action, also_allowed: tuple[str, ...]) -> None:
    actor = scene.actors[role]
    allowed = role == "manager" or role in also_allowed
    before = _refusals(actor)
    if allowed:
        action(scene, actor)
        assert _refusals(actor) == before
    else:
        changes_before = audit.AuditEvent.select().where(audit.AuditEvent.outcome == "success").count()
        with pytest.raises(PermissionDenied):
            action(scene, actor)
        assert _refusals(actor) == before + 1, "the refusal is audited"
        event = audit.AuditEvent.select().order_by(audit.AuditEvent.id.desc()).first()
        assert event.organisation_id == scene.organisation_id
        assert event.action.startswith("org.")
        assert audit.AuditEvent.select().where(audit.AuditEvent.outcome == "success").count() == changes_before


def test_a_blocked_account_cannot_act_even_as_manager(scene: Scene) -> None:
    from immo_connect.accounts.models import Account

    Account.update(status="blocked").where(Account.id == scene.manager.id).execute()
    with pytest.raises(PermissionDenied):
        scene.platform.organisations.list_employees(scene.manager, scene.organisation_id)
    assert _refusals(scene.manager) == 1


def test_a_manager_cannot_reach_another_organisations_employee(scene: Scene) -> None:
    """Object-level check: a membership id of organisation A under organisation B's id."""
    from immo_connect.errors import NotFoundError

    other_manager = scene.actors["other_manager"]
    other_org = Membership.get(Membership.account == other_manager.id).organisation_key
    with pytest.raises(NotFoundError):
        scene.platform.organisations.block(other_manager, other_org, scene.active.id)
    assert Membership.get_by_id(scene.active.id).status == "active"
