"""Who sees an organisation's invoices: its managers and the members with the wallet's *view* right."""

from __future__ import annotations

from typing import TYPE_CHECKING

from immo_connect.wallet._access import Actor, ActorRef, member_of

if TYPE_CHECKING:
    from immo_connect.platform import Platform


def require_viewer(platform: Platform, actor: ActorRef, organisation_id: int, *, action: str) -> Actor:
    """The acting member when it may see the organisation's invoices; else PermissionDenied."""
    del action  # audited by the wallet rights check
    return member_of(platform, actor, organisation_id)
