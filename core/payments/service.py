"""Top-ups: ``platform.payments``.

An online top-up goes: :meth:`PaymentService.start_topup` (checks, a ``Payment`` row, then
the provider creates the payment and gives a checkout link) → the payer pays at the
provider → :meth:`PaymentService.refresh` (called by the screen's poller, by
``immo-connect payments poll`` or by the webhook endpoint) sees ``paid`` and credits the
wallet **exactly once**:

1. ``platform.wallet.credit`` with the idempotency key ``payment:<provider>:<provider id>``:
   any number of processes may call it at the same time, the wallet records one
   transaction and returns it to all of them;
2. one conditional ``UPDATE payment SET credited_at … WHERE credited_at IS NULL``: the one
   process whose update changes the row writes the audit event and queues the managers'
   mails, in the same database transaction.

A crash between 1 and 2 is repaired by the next look-up (1 replays, 2 then succeeds).

Who may start and follow a top-up: a member with the ``top_up`` wallet right (managers
always; employees when a manager granted it, see ``immo_connect.wallet.rights``). A top-up
only adds money, and the managers are mailed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import peewee

from immo_connect import audit, i18n
from immo_connect.contracts.payments import (
    FINAL_STATUSES,
    PaymentMethod,
    PaymentProviderError,
    PaymentRequest,
    PaymentStatus,
    ProviderPayment,
    TransferDetails,
)
from immo_connect.errors import ConflictError, NotFoundError, ValidationError
from immo_connect.i18n import _
from immo_connect.organisations.models import Organisation
from immo_connect.payments._money import euros
from immo_connect.payments._notify import notify_managers
from immo_connect.payments._reversals import PaymentReversals
from immo_connect.payments.models import OPEN_ROW_STATUSES, Payment
from immo_connect.storage import transaction
from immo_connect.wallet import _validate as check
from immo_connect.wallet._access import actor_id

if TYPE_CHECKING:
    from immo_connect.platform import Platform
    from immo_connect.wallet._access import ActorRef

log = logging.getLogger("immo_connect.payments")

# A payment the provider never confirmed (crash, timeout) is retried this long, then dropped.
CREATION_GRACE = dt.timedelta(minutes=15)


def _digest(**values: Any) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def credit_key(provider: str, provider_payment_id: str) -> str:
    """The wallet idempotency key of an online top-up: one credit per provider payment."""
    return f"payment:{provider}:{provider_payment_id}"


class PaymentService(PaymentReversals):
    """One instance per platform (``platform.payments``); refunds and chargebacks are in
    ``_reversals.py``."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    # -- methods ------------------------------------------------------------------------------

    def methods(self) -> list[PaymentMethod]:
        return self.platform.plugins.payment_methods()

    def online_methods(self) -> list[PaymentMethod]:
        """Online methods, real providers before test-mode ones."""
        found = [m for m in self.methods() if m.kind == "online"]
        return sorted(found, key=lambda m: (m.test_mode, m.name))

    def online_method(self, name: str | None = None) -> PaymentMethod:
        """The named online method, or the preferred one when ``name`` is None."""
        found = self.online_methods()
        if name is not None:
            found = [m for m in found if m.name == name]
        if not found:
            raise NotFoundError(
                _("Online payment is not available at the moment."),
                hint=_("Top up by bank transfer, or ask the platform's operator to enable a payment method."),
                code="payment_method_unavailable", field="provider",
            )
        return found[0]

    def bank_transfer_method(self) -> PaymentMethod:
        found = [m for m in self.methods() if m.kind == "bank_transfer"]
        if not found:
            raise NotFoundError(
                _("Bank transfer top-ups are not available at the moment."),
                hint=_("Pay online, or ask the platform's operator to enable bank transfers."),
                code="payment_method_unavailable",
            )
        return found[0]

    def transfer_details(self, actor: ActorRef, organisation_id: int) -> TransferDetails:
        """The platform's account and this wallet's structured communication."""
        self._organisation(organisation_id)
        self.platform.wallet.require_top_up_allowed(actor, organisation_id)
        section = self.platform.settings.platform
        return self.bank_transfer_method().transfer_details(
            communication=self.platform.wallet.structured_communication(organisation_id),
            beneficiary=section.legal_name, iban=section.iban, bic=section.bic,
        )

    # -- starting a top-up ------------------------------------------------------------------

    def _organisation(self, organisation_id: object) -> Organisation:
        organisation_id = check.organisation_id(organisation_id)
        organisation: Organisation | None = Organisation.get_or_none(Organisation.id == organisation_id)
        if organisation is None:
            raise NotFoundError(
                _("There is no organisation (and so no wallet) with id {id}.").format(id=organisation_id),
                hint=_("Check the organisation; it may have been removed."), code="wallet_not_found",
                field="organisation_id",
            )
        return organisation

    def check_amount(self, method: PaymentMethod, amount_cents: object) -> int:
        """``amount_cents`` when it is a whole number of cents within the method's limits."""
        if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
            raise ValidationError(
                _("The amount must be a whole number of euro cents, not {value!r}.").format(value=amount_cents),
                hint=_("Type the amount like 50 or 125,50."), field="amount", code="amount_not_integer",
            )
        if amount_cents <= 0:
            raise ValidationError(
                _("The amount must be more than zero."), hint=_("Type the amount like 50 or 125,50."),
                field="amount", code="amount_not_positive",
            )
        limits = method.limits
        if amount_cents < limits.minimum_cents:
            raise ValidationError(
                _("An online top-up is at least {minimum}.").format(minimum=euros(limits.minimum_cents)),
                hint=_("Enter {minimum} or more, or top up by bank transfer (no minimum).").format(
                    minimum=euros(limits.minimum_cents)),
                field="amount", code="amount_below_minimum",
            )
        if amount_cents > limits.maximum_cents:
            raise ValidationError(
                _("An online top-up is at most {maximum}.").format(maximum=euros(limits.maximum_cents)),
                hint=_("Split it into several top-ups, or top up by bank transfer."),
                field="amount", code="amount_above_maximum",
            )
        return amount_cents

    def start_topup(
        self,
        actor: ActorRef,
        organisation_id: int,
        amount_cents: int,
        *,
        option: str = "bancontact",
        provider: str | None = None,
        request_key: str | None = None,
    ) -> Payment:
        """Create an online payment for the organisation's wallet; the payer opens its link.

        ``request_key`` makes a retried submission return the same payment (a new key per
        form submission). The provider is called outside any database transaction.
        """
        organisation = self._organisation(organisation_id)
        self.platform.wallet.require_top_up_allowed(actor, organisation_id)
        method = self.online_method(provider)
        amount = self.check_amount(method, amount_cents)
        chosen = method.option(option)
        if chosen is None:
            raise ValidationError(
                _("{option!r} is not a payment method offered here.").format(option=option),
                hint=_("Choose one of: {options}.").format(options=", ".join(o.title for o in method.options)),
                field="option", code="option_unknown",
            )
        key = request_key or f"topup:{uuid.uuid4().hex}"
        if not isinstance(key, str) or not 0 < len(key) <= 255:
            raise ValidationError(_("The request key must be 1 to 255 characters."),
                                  hint=_("Generate one key per submitted form."), field="request_key")
        account_id = actor_id(actor)
        digest = _digest(organisation=organisation.id, amount=amount, option=chosen.code,
                         provider=method.name, account=account_id)
        self.platform.wallet.ensure_wallet(organisation.id)
        payment = self._find_request(key, digest)
        if payment is None:
            payment = self._insert(organisation, account_id, method, chosen.code, amount, key, digest)
        if payment.provider_payment_id is None and payment.status == "created":
            return self._create_at_provider(payment, method)
        return payment

    def _find_request(self, key: str, digest: str) -> Payment | None:
        payment: Payment | None = Payment.get_or_none(Payment.request_key == key)
        if payment is not None and payment.request_hash != digest:
            raise ConflictError(
                _("This request key was already used for a different top-up."),
                hint=_("Start the new top-up from the form again."), field="request_key",
                code="request_key_reused",
            )
        return payment

    def _insert(self, organisation: Organisation, account_id: int, method: PaymentMethod,
                option: str, amount: int, key: str, digest: str) -> Payment:
        now = self.platform.clock.now()
        words = i18n.catalog(self.platform.settings.language)
        description = words.gettext("{platform}: top-up of the wallet of {organisation}").format(
            platform=self.platform.settings.platform.name, organisation=organisation.name)[:255]
        try:
            with transaction():
                payment: Payment = Payment.create(
                    organisation=organisation.id, account=account_id, provider=method.name, option=option,
                    amount_cents=amount, description=description, request_key=key, request_hash=digest,
                    provider_key=f"immo-connect-topup-{uuid.uuid4().hex}", status="created",
                    created_at=now, updated_at=now,
                )
                audit.record(
                    "payment.started", actor_id=account_id, actor=f"account:{account_id}",
                    organisation_id=organisation.id, target=f"payment:{payment.id}",
                    source=self.platform.source,
                    detail={"amount_cents": amount, "provider": method.name, "option": option},
                )
        except peewee.IntegrityError:
            # The same request key was submitted twice at once: the other one won.
            found = self._find_request(key, digest)
            if found is None:
                raise
            return found
        return payment

    def _create_at_provider(self, payment: Payment, method: PaymentMethod) -> Payment:
        request = PaymentRequest(
            amount_cents=int(payment.amount_cents), description=str(payment.description),
            idempotency_key=str(payment.provider_key), option=str(payment.option),
            currency=str(payment.currency),
            metadata={"payment": str(payment.id), "organisation": str(payment.organisation_id)},
        )
        try:
            remote = method.create_payment(request)
        except PaymentProviderError as error:
            self._mark_error(payment, error.message)
            raise
        now = self.platform.clock.now()
        with transaction():
            (Payment.update(provider_payment_id=remote.provider_payment_id,
                            checkout_url=remote.checkout_url[:2000], status=remote.status,
                            checked_at=now, updated_at=now)
             .where((Payment.id == payment.id) & Payment.provider_payment_id.is_null())
             .execute())
        payment = Payment.get_by_id(payment.id)
        if remote.status == "paid":
            return self._apply(payment, remote)
        return payment

    def _mark_error(self, payment: Payment, reason: str) -> None:
        now = self.platform.clock.now()
        with transaction():
            (Payment.update(status="error", failure_reason=reason[:300], updated_at=now)
             .where((Payment.id == payment.id) & Payment.provider_payment_id.is_null())
             .execute())
            audit.record(
                "payment.refused", actor_id=payment.account_id, actor="system",
                organisation_id=payment.organisation_id, target=f"payment:{payment.id}",
                outcome="failed", source=self.platform.source, detail={"reason": reason[:200]},
            )

    # -- following a top-up -------------------------------------------------------------------

    def _method(self, name: str) -> PaymentMethod:
        found = next((m for m in self.methods() if m.name == name), None)
        if found is None:
            raise NotFoundError(
                _("The payment method {name} is no longer enabled; the payment cannot be followed.")
                .format(name=name),
                hint=_("Ask the platform's operator to enable it again in plugins.toml."),
                code="payment_method_unavailable",
            )
        return found

    def get(self, actor: ActorRef, payment_id: int) -> Payment:
        """A payment, for a member of its organisation."""
        payment = self._load(payment_id)
        self.platform.wallet.require_top_up_allowed(actor, int(payment.organisation_id))
        return payment

    def _load(self, payment_id: int) -> Payment:
        payment: Payment | None = Payment.get_or_none(Payment.id == payment_id)
        if payment is None:
            raise NotFoundError(_("This payment does not exist."), hint=_("Start a new top-up."),
                                code="payment_not_found")
        return payment

    def refresh(self, payment_id: int, *, actor: ActorRef | None = None) -> Payment:
        """Look the payment up at its provider; credit the wallet once when it is paid."""
        payment = self._load(payment_id)
        if actor is not None:
            self.platform.wallet.require_top_up_allowed(actor, int(payment.organisation_id))
        if payment.credited_at is not None:  # paid: what may still change is refunds and chargebacks
            if not any(m.name == payment.provider for m in self.methods()):
                return payment  # a method switched off since: nothing to ask
            return self._follow_reversals(payment, self._method(str(payment.provider)))
        if payment.status in FINAL_STATUSES | {"error"}:
            return payment
        method = self._method(str(payment.provider))
        if payment.provider_payment_id is None:
            if self.platform.clock.now() - payment.created_at > CREATION_GRACE:
                self._mark_error(payment, "never confirmed by the provider")
                return self._load(payment_id)
            return self._create_at_provider(payment, method)
        return self._apply(payment, method.get_payment(str(payment.provider_payment_id)))

    def simulate(self, actor: ActorRef, payment_id: int, outcome: PaymentStatus) -> Payment:
        """Test-mode methods only: play the payer (the screen's confirmation step)."""
        payment = self.get(actor, payment_id)
        method = self._method(str(payment.provider))
        if not method.test_mode or payment.provider_payment_id is None:
            raise ValidationError(
                _("Only demo payments can be confirmed here; real ones are paid on the checkout page."),
                hint=_("Open the payment link to pay."), code="payment_not_simulated",
            )
        method.simulate(str(payment.provider_payment_id), outcome)
        return self.refresh(payment_id, actor=actor)

    def _apply(self, payment: Payment, remote: ProviderPayment) -> Payment:
        now = self.platform.clock.now()
        if remote.status == "paid":
            if remote.amount_cents != payment.amount_cents or remote.currency != payment.currency:
                return self._mismatch(payment, remote)
            credited = self._credit(payment, remote)
            if remote.refunded_cents or remote.charged_back_cents:  # taken back before we looked
                return self._follow_reversals(credited, self._method(str(payment.provider)), remote)
            return credited
        with transaction():
            changed = (
                Payment.update(status=remote.status, checked_at=now, updated_at=now,
                               checkout_url=remote.checkout_url[:2000] or payment.checkout_url,
                               failure_reason=remote.failure_reason[:300])
                .where((Payment.id == payment.id) & Payment.credited_at.is_null()
                       & Payment.status.in_(OPEN_ROW_STATUSES))
                .execute()
            )
            if changed and remote.status in FINAL_STATUSES:
                audit.record(
                    f"payment.{remote.status}", actor_id=payment.account_id, actor="system",
                    organisation_id=payment.organisation_id, target=f"payment:{payment.id}",
                    outcome="failed", source=self.platform.source,
                    detail={"provider_payment_id": remote.provider_payment_id},
                )
                # The wallet's history lists it with its status; no money moves.
                self.platform.wallet.failed_top_up(
                    int(payment.organisation_id), int(payment.amount_cents), reason=f"payment_{remote.status}",
                    description=str(payment.description),
                    idempotency_key=f"{credit_key(str(payment.provider), remote.provider_payment_id)}:{remote.status}",
                    actor=payment.account_id, reference=remote.provider_payment_id)
        return self._load(int(payment.id))

    def _mismatch(self, payment: Payment, remote: ProviderPayment) -> Payment:
        # Never credit an amount the platform did not ask for: an operator looks at it.
        log.error("payment %s: provider reports %s %s, expected %s %s", payment.id,
                  remote.amount_cents, remote.currency, payment.amount_cents, payment.currency)
        now = self.platform.clock.now()
        with transaction():
            changed = (Payment.update(status="error", failure_reason="amount reported by the provider differs",
                                      checked_at=now, updated_at=now)
                       .where((Payment.id == payment.id) & Payment.credited_at.is_null()
                              & (Payment.status != "error"))
                       .execute())
            if changed:
                audit.record("payment.amount_mismatch", organisation_id=payment.organisation_id,
                             target=f"payment:{payment.id}", outcome="failed", source=self.platform.source,
                             detail={"expected": payment.amount_cents, "reported": remote.amount_cents})
        return self._load(int(payment.id))

    def _credit(self, payment: Payment, remote: ProviderPayment) -> Payment:
        transaction_row = self.platform.wallet.credit(
            int(payment.organisation_id), int(payment.amount_cents), kind="online_topup",
            description=str(payment.description),
            idempotency_key=credit_key(str(payment.provider), remote.provider_payment_id),
            actor=payment.account_id, reference=remote.provider_payment_id,
        )
        now = self.platform.clock.now()
        with transaction():
            claimed = (
                Payment.update(status="paid", paid_at=now, credited_at=now, checked_at=now, updated_at=now,
                               transaction_id=transaction_row.id, checkout_url="")
                .where((Payment.id == payment.id) & Payment.credited_at.is_null())
                .execute()
            )
            if claimed:
                audit.record(
                    "payment.credited", actor_id=payment.account_id, actor="system",
                    organisation_id=payment.organisation_id, target=f"payment:{payment.id}",
                    source=self.platform.source,
                    detail={"amount_cents": payment.amount_cents, "transaction": transaction_row.id,
                            "provider_payment_id": remote.provider_payment_id},
                )
                notify_managers(self.platform, int(payment.organisation_id), transaction_row,
                                channel="online", reference=remote.provider_payment_id)
        return self._load(int(payment.id))

    # -- background ------------------------------------------------------------------------------

    def open_payments(self, *, limit: int = 100) -> list[Payment]:
        """Payments still waiting for their outcome, least recently checked first."""
        query = (Payment.select().where(Payment.status.in_(OPEN_ROW_STATUSES))
                 .order_by(Payment.checked_at.asc(nulls="first"), Payment.id).limit(limit))
        return list(query)

    def follow_open(self, *, limit: int = 100) -> dict[str, int]:
        """One round of polling every open payment; provider errors are logged, not raised."""
        counts: dict[str, int] = {}
        for payment in self.open_payments(limit=limit):
            try:
                status = str(self.refresh(int(payment.id)).status)
            except (PaymentProviderError, NotFoundError) as error:
                log.warning("payment %s could not be followed: %s", payment.id, error.message)
                status = "unreachable"
            counts[status] = counts.get(status, 0) + 1
        return counts

    def handle_webhook(self, provider: str, headers: Mapping[str, str], body: bytes) -> Payment | None:
        """A provider's notification: find the payment it names and look it up again.

        ``None`` when the call names no payment of this platform (answered 200 all the same,
        so the provider stops retrying; nothing is trusted from the call itself).
        """
        method = self._method(provider)
        provider_payment_id = method.payment_id_from_webhook(headers, body)
        if provider_payment_id is None:
            raise ValidationError(_("The notification does not name a payment."),
                                  hint=_("Nothing to do."), code="webhook_invalid")
        payment: Payment | None = Payment.get_or_none(
            (Payment.provider == provider) & (Payment.provider_payment_id == provider_payment_id))
        if payment is None:
            log.info("webhook for unknown payment %s at %s", provider_payment_id, provider)
            return None
        return self.refresh(int(payment.id))
