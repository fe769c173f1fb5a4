"""Who sees an organisation's invoices: its managers and the members with the wallet's *view* right."""

from __future__ import annotations

from typing import TYPE_CHECKING

from immo_connect.wallet.rights import RIGHT_VIEW, require_wallet_right

if TYPE_CHECKING:
    from immo_connect.platform import Platform
    from immo_connect.wallet._access import Actor, ActorRef


def require_viewer(platform: Platform, actor: ActorRef, organisation_id: int, *, action: str) -> Actor:
    """The acting member when it may see the organisation's invoices; else an audited
    PermissionDenied (``wallet_not_member`` / ``wallet_right_missing``)."""
    return require_wallet_right(platform, actor, organisation_id, RIGHT_VIEW, action=action)
