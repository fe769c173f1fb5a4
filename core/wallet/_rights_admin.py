"""Managers set the wallet right of each employee (``rights.py`` says what each allows)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from immo_connect import audit
from immo_connect.errors import NotFoundError
from immo_connect.i18n import _
from immo_connect.organisations.models import Membership
from immo_connect.storage import transaction
from immo_connect.wallet import _validate as check
from immo_connect.wallet._access import ActorRef, actor_id, held_right
from immo_connect.wallet.models import WalletRight
from immo_connect.wallet.rights import RIGHT_MANAGE, RIGHT_NONE, check_right

if TYPE_CHECKING:
    from immo_connect.platform import Platform


class WalletRightsAdmin:
    platform: Platform

    def right_of(self, actor: ActorRef, organisation_id: int) -> str:
        """The actor's own wallet right in the organisation (``none`` for a non-member).

        For screens, to hide what the person may not use; the calls check again.
        """
        return held_right(actor_id(actor), check.organisation_id(organisation_id))

    def _employee(self, organisation_id: int, membership_id: int) -> Membership:
        membership: Membership | None = Membership.get_or_none(
            (Membership.id == int(membership_id)) & (Membership.organisation == organisation_id))
        if membership is None:
            raise NotFoundError(
                _("This employee is not (or no longer) part of the organisation."),
                hint=_("Reload the list of employees."), code="employee_not_found",
            )
        return membership

    @staticmethod
    def _stored(membership: Membership) -> str:
        row: WalletRight | None = WalletRight.get_or_none(WalletRight.membership == membership.id)
        return str(row.right) if row is not None else RIGHT_NONE

    def employee_right(self, actor: ActorRef, organisation_id: int, membership_id: int) -> str:
        """The wallet right of one employee as a manager sees it (``manage`` for managers)."""
        organisation_id = check.organisation_id(organisation_id)
        self.platform.organisations.require_manager(actor, organisation_id)
        membership = self._employee(organisation_id, membership_id)
        return RIGHT_MANAGE if membership.is_manager else self._stored(membership)

    def set_employee_right(self, actor: ActorRef, organisation_id: int, membership_id: int,
                           right: str) -> str:
        """Set one employee's wallet right (managers of the organisation only); the right now
        in force. Audited as ``wallet.right_changed`` when it changes. A manager keeps
        ``manage`` whatever is stored; the stored right applies if the manager rights go."""
        organisation_id = check.organisation_id(organisation_id)
        wanted = check_right(right)
        manager = self.platform.organisations.require_manager(actor, organisation_id)
        with transaction():
            membership = self._employee(organisation_id, membership_id)
            before = self._stored(membership)
            if before != wanted:
                now = self.platform.clock.now()
                updated = (WalletRight.update(right=wanted, changed_by=manager.account.id, changed_at=now)
                           .where(WalletRight.membership == membership.id).execute())
                if not updated:
                    WalletRight.create(membership=membership.id, right=wanted,
                                       changed_by=manager.account.id, changed_at=now)
                audit.record(
                    "wallet.right_changed", actor_id=int(manager.account.id),
                    actor=str(manager.account.username), organisation_id=organisation_id,
                    target=f"membership:{membership.id} {membership.account.username}",
                    source=self.platform.source, detail={"from": before, "to": wanted},
                )
        return RIGHT_MANAGE if membership.is_manager else wanted
