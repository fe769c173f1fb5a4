"""Online top-ups: one row per payment the platform asked a provider to create.

The row is written before the provider is called (status ``created``), so a crash or a
timeout in between leaves a trace that the next look-up repairs with the same provider
idempotency key. ``credited_at`` is set exactly once, by the process that wins the
conditional update after the wallet credit (see ``service.py``); the wallet credit itself
is idempotent on ``payment:<provider>:<provider payment id>``.
"""

from __future__ import annotations

import peewee

from immo_connect.accounts.models import Account
from immo_connect.i18n import N_
from immo_connect.organisations.models import Organisation
from immo_connect.storage import BaseModel, Migration

# "created": written, not yet confirmed by the provider; "error": the provider refused it.
# The others are the provider's statuses (immo_connect.contracts.payments.PAYMENT_STATUSES).
PAYMENT_ROW_STATUSES: tuple[str, ...] = (
    "created", "open", "pending", "paid", "failed", "expired", "canceled", "error",
)
OPEN_ROW_STATUSES: tuple[str, ...] = ("created", "open", "pending")


class Payment(BaseModel):
    # The raw foreign-key values peewee sets, declared for the type checker.
    organisation_id: int
    account_id: int | None

    id = peewee.BigAutoField()
    organisation = peewee.ForeignKeyField(Organisation, backref="payments", on_delete="RESTRICT")
    account = peewee.ForeignKeyField(Account, null=True, backref="payments", on_delete="SET NULL")
    provider = peewee.CharField(max_length=50)  # the PaymentMethod's name
    option = peewee.CharField(max_length=20)  # bancontact, mastercard, maestro, visa
    amount_cents = peewee.BigIntegerField(constraints=[peewee.Check("amount_cents > 0")])
    currency = peewee.CharField(max_length=3, default="EUR")
    description = peewee.CharField(max_length=255)
    # The caller's key (one per submitted form); a retry returns this same payment.
    request_key = peewee.CharField(max_length=255, unique=True)
    request_hash = peewee.CharField(max_length=64)
    # Sent to the provider as its Idempotency-Key: derived from this row, never reused.
    provider_key = peewee.CharField(max_length=100, unique=True)
    provider_payment_id = peewee.CharField(max_length=100, null=True)
    checkout_url = peewee.CharField(max_length=2000, default="")
    status = peewee.CharField(max_length=10, default="created", index=True)
    failure_reason = peewee.CharField(max_length=300, default="")
    transaction_id = peewee.BigIntegerField(null=True)  # the wallet transaction, once credited
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()
    checked_at = peewee.DateTimeField(null=True)  # last look-up at the provider
    paid_at = peewee.DateTimeField(null=True)
    credited_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = (
            (("provider", "provider_payment_id"), True),
            (("organisation", "created_at"), False),
        )


# A refund or chargeback: the provider's status (immo_connect.contracts.payments.ReversalStatus),
# or "requested" (a manager's refund, debited, not yet confirmed by the provider) and "error"
# (the provider refused it; the money was given back to the wallet).
REVERSAL_ROW_STATUSES: tuple[str, ...] = (
    "requested", "pending", "refunded", "failed", "canceled", "charged_back", "reversed", "error",
)
# Statuses that may still change at the provider: their payment's refunds and chargebacks
# are listed at every look-up, even when its amounts say nothing is refunded or charged back.
UNSETTLED_REVERSAL_STATUSES: tuple[str, ...] = ("requested", "pending", "charged_back")
# Refunds on their way: their payment is looked up at every polling round (a chargeback is
# reversed rarely and late: the periodic look-up of paid top-ups sees it).
MOVING_REVERSAL_STATUSES: tuple[str, ...] = ("requested", "pending")


class PaymentReversal(BaseModel):
    """A refund or a chargeback of an online top-up: one row per provider refund or
    chargeback, and per refund a manager asked for (written before the provider is asked).

    ``transaction_id`` is the wallet's take-back, ``restored_transaction_id`` its give-back
    when the refund failed or the chargeback was reversed; both are set at most once.
    """

    payment_id: int
    requested_by_id: int | None

    id = peewee.BigAutoField()
    payment = peewee.ForeignKeyField(Payment, backref="reversals", on_delete="RESTRICT")
    kind = peewee.CharField(max_length=10)  # refund, chargeback
    provider_reversal_id = peewee.CharField(max_length=100, null=True)
    amount_cents = peewee.BigIntegerField(constraints=[peewee.Check("amount_cents > 0")])
    currency = peewee.CharField(max_length=3, default="EUR")
    status = peewee.CharField(max_length=15)
    reason = peewee.CharField(max_length=200, default="")  # the provider's words for a chargeback
    requested_by = peewee.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    request_key = peewee.CharField(max_length=255, null=True, unique=True)
    request_hash = peewee.CharField(max_length=64, default="")
    provider_key = peewee.CharField(max_length=100, null=True, unique=True)  # the refund's Idempotency-Key
    transaction_id = peewee.BigIntegerField(null=True)
    restored_transaction_id = peewee.BigIntegerField(null=True)
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()

    class Meta:
        table_name = "payment_reversal"
        indexes = ((("payment", "provider_reversal_id"), True),)


def _create(db: peewee.Database) -> None:
    db.create_tables([Payment])


def _create_reversals(db: peewee.Database) -> None:
    db.create_tables([PaymentReversal])


MIGRATIONS = [
    Migration(1, N_("online top-up payments"), _create),
    Migration(2, N_("refunds and chargebacks of online top-ups"), _create_reversals),
]
