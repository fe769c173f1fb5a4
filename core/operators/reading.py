"""What the command line prints for scripts, checked as the back office screens check it.

The audit log is read by every operator role (the desk looks up what was done to an
account, finance what happened to a wallet); online top-ups, their refunds and
chargebacks, and a wallet's balance and structured communication are the money desk's,
for finance and admins. Refusals are audited like every operator refusal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING

from immo_connect import audit
from immo_connect.operators.access import ActorRef, OperatorAccess

if TYPE_CHECKING:
    from immo_connect.payments.models import Payment, PaymentReversal


@dataclasses.dataclass(frozen=True)
class WalletSummary:
    organisation_id: int
    balance_cents: int
    transactions: int
    structured_communication: str


class OperatorReading(OperatorAccess):
    def audit_log(self, actor: ActorRef, filters: audit.AuditFilter, *, limit: int = 100) -> Iterator[audit.AuditEvent]:
        """The audit events matching ``filters``, newest first (``immo-connect audit``)."""
        self.operator(actor, "find", "operator.audit_read")
        return audit.query(filters, limit=limit)

    def payments(self, actor: ActorRef, *, organisation_id: int | None = None, limit: int = 50) -> list[Payment]:
        """The latest online top-ups, newest first (``payments list``)."""
        from immo_connect.payments.models import Payment

        self.operator(actor, "money", "operator.payments_read")
        query = Payment.select().order_by(Payment.id.desc()).limit(max(1, limit))
        if organisation_id is not None:
            query = query.where(Payment.organisation == int(organisation_id))
        return list(query)

    def reversals(self, actor: ActorRef, payment_id: int) -> list[PaymentReversal]:
        """The refunds and chargebacks of one online top-up (``payments reversals``)."""
        self.operator(actor, "money", "operator.payments_read")
        return self.platform.payments.reversals(int(payment_id))

    def wallet(self, actor: ActorRef, organisation_id: int) -> WalletSummary:
        """A wallet's balance, number of transactions and structured communication (``wallet show``)."""
        self.operator(actor, "money", "operator.wallet_read")
        wallet = self.platform.wallet.ensure_wallet(int(organisation_id))
        return WalletSummary(int(organisation_id), int(wallet.balance), int(wallet.last_number),
                             self.platform.wallet.structured_communication(int(organisation_id)))
