"""A payment provider that runs inside the platform, for the demo and for tests.

It behaves like a real provider seen through its API (payments with ids, an idempotency
key, a checkout link, statuses open → paid | failed | canceled | expired) but no money
moves anywhere: the payer's part is played on the top-up screen, which offers a
confirmation step ("pay", "refuse", "cancel") for test-mode methods. Payments live in the
plugin's own table so that every process of the platform (the UI, a poller, a webhook
server) sees the same state. Refunds (asked by the platform, or simulated as if made in a
provider's dashboard) and chargebacks (simulated: ``immo-connect payments simulate``) live
in a second table; a refund is carried out at once.

Configuration (``plugins.toml``)::

    [plugins.sandbox]
    enabled = true               # off unless asked for: the demo configuration only
    # expires_minutes = 15
    # checkout_base_url = "https://sandbox.immo-connect.invalid/checkout"
    # minimum_eur = 50
    # maximum_eur = 5000
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
from typing import Annotated, Any, ClassVar

import peewee

from immo_connect import hookimpl
from immo_connect.clock import utcnow
from immo_connect.config_schema import Range
from immo_connect.contracts.payments import (
    FINAL_STATUSES,
    PaymentMethod,
    PaymentProviderError,
    PaymentRequest,
    PaymentStatus,
    ProviderPayment,
    ProviderReversal,
    RefundRequest,
    ReversalKind,
)
from immo_connect.i18n import N_, _
from immo_connect.plugins.payments._common import OnlineLimitsConfig, offered_option, unknown_payment
from immo_connect.storage import BaseModel, Migration, transaction

COMPONENT = "immo_connect.plugins.payments.sandbox"


@dataclasses.dataclass(frozen=True)
class SandboxConfig(OnlineLimitsConfig):
    expires_minutes: Annotated[int, Range(1, 24 * 60)] = 15
    checkout_base_url: str = "https://sandbox.immo-connect.invalid/checkout"

    table: ClassVar[str] = "plugins.sandbox"


class SandboxPayment(BaseModel):
    id = peewee.CharField(max_length=40, primary_key=True)
    idempotency_key = peewee.CharField(max_length=255, unique=True)
    request_digest = peewee.CharField(max_length=64)
    amount_cents = peewee.BigIntegerField()
    currency = peewee.CharField(max_length=3)
    description = peewee.CharField(max_length=255)
    option = peewee.CharField(max_length=20)
    status = peewee.CharField(max_length=10)
    created_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()


class SandboxReversal(BaseModel):
    id = peewee.CharField(max_length=40, primary_key=True)
    payment_id = peewee.CharField(max_length=40, index=True)
    kind = peewee.CharField(max_length=10)  # refund, chargeback
    status = peewee.CharField(max_length=15)
    amount_cents = peewee.BigIntegerField()
    idempotency_key = peewee.CharField(max_length=255, unique=True, null=True)
    request_digest = peewee.CharField(max_length=64, default="")
    metadata = peewee.TextField(default="{}")
    created_at = peewee.DateTimeField()

    class Meta:
        table_name = "sandbox_reversal"


def _create(db: peewee.Database) -> None:
    db.create_tables([SandboxPayment])


def _create_reversals(db: peewee.Database) -> None:
    db.create_tables([SandboxReversal])


MIGRATIONS = [
    Migration(1, N_("sandbox payments"), _create),
    Migration(2, N_("sandbox refunds and chargebacks"), _create_reversals),
]


def _digest(request: PaymentRequest) -> str:
    fields = [request.amount_cents, request.currency, request.description, request.option]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


class SandboxPayments(PaymentMethod):
    """Simulated online payments; the screen plays the payer (see :meth:`simulate`)."""

    name = "sandbox"
    title = N_("Online payment (demo, no real money)")
    kind = "online"

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.limits = config.limits
        self.options = config.payment_options
        self.test_mode = True
        self.can_refund = True

    def _view(self, row: SandboxPayment) -> ProviderPayment:
        status: PaymentStatus = row.status
        checkout = f"{self.config.checkout_base_url.rstrip('/')}/{row.id}" if status == "open" else ""
        reversals = self.list_reversals(row.id)
        return ProviderPayment(
            provider_payment_id=row.id, status=status, amount_cents=row.amount_cents,
            currency=row.currency, checkout_url=checkout, method=row.option,
            refunded_cents=sum(r.amount_cents for r in reversals if r.kind == "refund" and r.takes_money),
            charged_back_cents=sum(r.amount_cents for r in reversals if r.kind == "chargeback" and r.takes_money),
        )

    # -- refunds and chargebacks ----------------------------------------------------------------

    def list_reversals(self, provider_payment_id: str) -> list[ProviderReversal]:
        rows = (SandboxReversal.select().where(SandboxReversal.payment_id == provider_payment_id)
                .order_by(SandboxReversal.created_at, SandboxReversal.id))
        return [ProviderReversal(provider_reversal_id=r.id, kind=r.kind, status=r.status, amount_cents=r.amount_cents,
                                 reason="MS03 simulated" if r.kind == "chargeback" else "",
                                 metadata=json.loads(r.metadata)) for r in rows]

    def create_refund(self, request: RefundRequest) -> ProviderReversal:
        digest = hashlib.sha256(json.dumps([request.provider_payment_id, request.amount_cents]).encode()).hexdigest()
        with transaction():
            row = SandboxReversal.get_or_none(SandboxReversal.idempotency_key == request.idempotency_key)
            if row is None:
                self._refundable(request.provider_payment_id, request.amount_cents)
                row = self._add(request.provider_payment_id, "refund", "refunded", request.amount_cents,
                                key=request.idempotency_key, digest=digest, metadata=dict(request.metadata))
        if row.request_digest != digest:
            raise _refused("idempotency key reused with other parameters")
        return next(r for r in self.list_reversals(row.payment_id) if r.provider_reversal_id == row.id)

    def simulate_reversal(self, provider_payment_id: str, kind: ReversalKind, amount_cents: int) -> ProviderReversal:
        if kind not in ("refund", "chargeback"):
            raise _refused(str(kind))
        with transaction():
            self._refundable(provider_payment_id, amount_cents)
            row = self._add(provider_payment_id, kind, "refunded" if kind == "refund" else "charged_back",
                            amount_cents, key=None, digest="", metadata={})
        return next(r for r in self.list_reversals(provider_payment_id) if r.provider_reversal_id == row.id)

    def _refundable(self, payment_id: str, amount_cents: int) -> None:
        payment = SandboxPayment.get_or_none(SandboxPayment.id == payment_id)
        if payment is None:
            raise unknown_payment()
        if payment.status != "paid":
            raise _refused("the payment cannot be refunded")
        left = int(payment.amount_cents) - sum(r.amount_cents for r in self.list_reversals(payment_id) if r.takes_money)
        if not 0 < amount_cents <= left:
            raise _refused("the amount is higher than the amount remaining on the payment")

    def _add(self, payment_id: str, kind: str, status: str, amount_cents: int, *, key: str | None, digest: str,
             metadata: dict[str, str]) -> SandboxReversal:
        prefix = "sbx_re_" if kind == "refund" else "sbx_chb_"
        row: SandboxReversal = SandboxReversal.create(
            id=prefix + secrets.token_hex(8), payment_id=payment_id, kind=kind, status=status,
            amount_cents=amount_cents, idempotency_key=key, request_digest=digest,
            metadata=json.dumps(metadata), created_at=utcnow(),
        )
        return row

    def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        offered_option(self, request.option)
        digest = _digest(request)
        now = utcnow()
        with transaction():
            row = SandboxPayment.get_or_none(SandboxPayment.idempotency_key == request.idempotency_key)
            if row is None:
                row = SandboxPayment.create(
                    id="sbx_" + secrets.token_hex(8), idempotency_key=request.idempotency_key,
                    request_digest=digest, amount_cents=request.amount_cents, currency=request.currency,
                    description=request.description[:255], option=request.option, status="open",
                    created_at=now, updated_at=now,
                    expires_at=now + dt.timedelta(minutes=self.config.expires_minutes),
                )
        if row.request_digest != digest:
            raise PaymentProviderError(
                _("The payment provider refused the payment: {detail}.").format(
                    detail="idempotency key reused with other parameters"),
                hint=_("Check the amount and the payment method, then try again."),
            )
        return self._view(row)

    def get_payment(self, provider_payment_id: str) -> ProviderPayment:
        row = SandboxPayment.get_or_none(SandboxPayment.id == provider_payment_id)
        if row is None:
            raise unknown_payment()
        if row.status in ("open", "pending") and utcnow() >= row.expires_at:
            self._move(row.id, "expired")
            row = SandboxPayment.get_by_id(row.id)
        return self._view(row)

    def simulate(self, provider_payment_id: str, outcome: PaymentStatus) -> ProviderPayment:
        if outcome not in ("pending", "paid", "failed", "canceled", "expired"):
            raise PaymentProviderError(
                _("The payment provider refused the payment: {detail}.").format(detail=outcome),
                hint=_("Check the amount and the payment method, then try again."),
            )
        if SandboxPayment.get_or_none(SandboxPayment.id == provider_payment_id) is None:
            raise unknown_payment()
        self._move(provider_payment_id, outcome)
        return self.get_payment(provider_payment_id)

    def _move(self, payment_id: str, status: str) -> None:
        # Only a payment that is not final moves: a paid payment never becomes anything else.
        with transaction():
            (SandboxPayment.update(status=status, updated_at=utcnow())
             .where(SandboxPayment.id == payment_id,
                    SandboxPayment.status.not_in(sorted(FINAL_STATUSES)))
             .execute())


def _refused(detail: str) -> PaymentProviderError:
    return PaymentProviderError(
        _("The payment provider refused the payment: {detail}.").format(detail=detail),
        hint=_("Check the amount and the payment method, then try again."),
    )


@hookimpl
def immo_connect_config_schema() -> type:
    return SandboxConfig


@hookimpl
def immo_connect_register_migrations(register: Any) -> None:
    register(COMPONENT, MIGRATIONS)


@hookimpl
def immo_connect_register_payment_methods(register: Any, config: SandboxConfig) -> None:
    register(SandboxPayments(config))
