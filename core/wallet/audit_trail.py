"""Wallet movements as audit events, read from the ledger itself.

Every wallet transaction row records the action that wrote it, the actor, the source, the
time and the outcome, and the ledger is append-only like the audit log. So a movement is not
written a second time into ``audit_event``: :func:`immo_connect.audit.query` reads these
events from here and merges them with the stored ones. Refusals, settlements and exports,
which write no transaction row, are stored in ``audit_event`` as usual.

Rows written before the ledger kept its own trail have no ``action``; their events are in
``audit_event`` already and are skipped here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from immo_connect.audit import AuditEvent, AuditFilter, conditions
from immo_connect.wallet.models import KIND_REVERSAL, STATUS_FAILED, Wallet, WalletTransaction

_PREFIX = "wallet."  # every action a ledger row records starts with it
# Creating a pending line succeeds even when its settling later fails (a separate event).
_CREATED_PENDING = "wallet.credit_pending"


def _outcome(row: WalletTransaction) -> str:
    failed = row.status == STATUS_FAILED and row.action != _CREATED_PENDING
    return "failed" if failed else "success"


def _event(row: WalletTransaction, organisation_id: int) -> AuditEvent:
    number = row.number if row.number is not None else "pending"
    detail = {"transaction": row.id, "amount_cents": row.amount, "kind": row.kind, "tool": row.tool,
              "status": row.status, "reason": row.failure_reason}
    if row.kind == KIND_REVERSAL:  # the top-up taken back, or the take-back given back
        detail["linked_transaction"] = row.counterpart_transaction_id
        detail["reference"] = row.reference
    # Not saved: an event as the audit log shows it (its id is the transaction's).
    return AuditEvent(
        id=row.id, at=row.created_at, actor_id=row.actor_id, actor=row.actor_name,
        organisation_id=organisation_id, action=row.action, target=f"wallet:{row.wallet_id}#{number}",
        outcome=_outcome(row), source=row.source or "", detail=json.dumps(detail, sort_keys=True),
    )


def events(filters: AuditFilter, *, limit: int) -> Iterator[AuditEvent]:
    """Up to ``limit`` wallet movements matching ``filters``, newest first."""
    if filters.outcome == "refused":
        return  # refusals never reach the ledger
    if filters.action and not (filters.action.startswith(_PREFIX) or _PREFIX.startswith(filters.action)):
        return  # another area's actions: spare the scan of the whole ledger
    T = WalletTransaction
    where = [T.action.is_null(False), *conditions(filters, actor=T.actor_name, action=T.action,
                                                  organisation_id=Wallet.organisation, at=T.created_at)]
    if filters.outcome == "failed":
        where.append((T.status == STATUS_FAILED) & (T.action != _CREATED_PENDING))
    elif filters.outcome == "success":
        where.append((T.status != STATUS_FAILED) | (T.action == _CREATED_PENDING))
    select = (
        T.select(T, Wallet.id, Wallet.organisation)
        .join(Wallet, on=(T.wallet == Wallet.id))
        .where(*where)
        .order_by(T.id.desc())
        .limit(limit)
    )
    for row in select:  # row.wallet comes from the join, without another query
        yield _event(row, int(row.wallet.organisation_id))
