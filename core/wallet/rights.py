"""Wallet rights per employee: what a member may do with the organisation's wallet.

Managers set one right per employee beside the tool access (employee details, and when
confirming a join request). Each right includes the ones before it:

* ``none`` — no wallet at all (the default, for new and existing employees);
* ``view`` — the balance, the history, the vouchers and the CSV export;
* ``top_up`` — start a top-up (online payment, bank transfer details) and follow it;
* ``manage`` — transfers between wallets and refunds of top-ups. Managers always have it.

Using a tool the employee has access to still charges the wallet whatever the wallet right:
the tool's access rules decide that (``platform.wallet.charge`` only needs an active member).

Every wallet call checks the right here, in the core, from the database; a refusal is
audited (``outcome == "refused"``) and raised as :class:`~immo_connect.errors.PermissionDenied`
with ``code == "wallet_right_missing"`` (``"wallet_not_member"`` / … for non-members).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from immo_connect.i18n import N_, _, word_for

if TYPE_CHECKING:
    from immo_connect.platform import Platform
    from immo_connect.wallet._access import Actor, ActorRef

RIGHT_NONE = "none"
RIGHT_VIEW = "view"
RIGHT_TOP_UP = "top_up"
RIGHT_MANAGE = "manage"
# Lowest first: a right includes every right before it.
RIGHTS: tuple[str, ...] = (RIGHT_NONE, RIGHT_VIEW, RIGHT_TOP_UP, RIGHT_MANAGE)

RIGHT_LABELS: dict[str, str] = {
    RIGHT_NONE: N_("No access to the wallet"),
    RIGHT_VIEW: N_("View (balance, transactions, vouchers, CSV)"),
    RIGHT_TOP_UP: N_("Top up (and view)"),
    RIGHT_MANAGE: N_("Manage (transfers, refunds, top-ups, view)"),
}


def includes(held: str, needed: str) -> bool:
    """Whether the right ``held`` allows what ``needed`` allows."""
    return RIGHTS.index(held) >= RIGHTS.index(needed)


def right_label(right: str) -> str:
    return word_for(RIGHT_LABELS, right)


def check_right(right: object) -> str:
    """``right`` when it is one of :data:`RIGHTS`, else a ValidationError naming them."""
    from immo_connect.errors import ValidationError

    if not isinstance(right, str) or right not in RIGHTS:
        raise ValidationError(
            _("Unknown wallet right {right!r}.").format(right=right),
            hint=_("Choose one of: {rights}.").format(rights=", ".join(RIGHTS)),
            field="wallet_right", code="wallet_right_invalid",
        )
    return right


def wallet_right_of(account_id: int, organisation_id: int) -> str:
    """The wallet right the account holds now in the organisation, read from the database.

    ``"none"`` unless the account is active and an active member; ``"manage"`` for a
    manager; else the right a manager set (``"none"`` when none was set). Never raises and
    audits nothing: use it to decide what a screen shows, never to allow an action.
    """
    from immo_connect.wallet._access import held_right

    return held_right(int(account_id), int(organisation_id))


def require_wallet_right(platform: Platform, actor: ActorRef, organisation_id: int, right: str, *,
                         action: str = "wallet.access") -> Actor:
    """The acting member when it holds ``right`` (or a higher one) in the organisation's wallet.

    Otherwise raises :class:`~immo_connect.errors.PermissionDenied` after writing the
    refusal to the audit log (``action``, outcome ``refused``) in a transaction of its own:
    call it before opening your own transaction. The returned
    :class:`~immo_connect.wallet._access.Actor` has ``id``, ``username``, ``name`` (display
    name), ``is_manager`` and ``right``. Example (the invoices of an organisation need
    ``view``)::

        require_wallet_right(platform, actor, organisation_id, RIGHT_VIEW, action="invoice.list")

    Same as ``platform.wallet.require_right(actor, organisation_id, right, action=…)``.
    """
    from immo_connect.wallet._access import require_right

    return require_right(platform, actor, organisation_id, check_right(right), action=action)


__all__ = [
    "RIGHTS", "RIGHT_LABELS", "RIGHT_MANAGE", "RIGHT_NONE", "RIGHT_TOP_UP", "RIGHT_VIEW",
    "check_right", "includes", "require_wallet_right", "right_label", "wallet_right_of",
]
