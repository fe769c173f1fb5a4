"""Refunds and chargebacks of online top-ups (mixed into ``platform.payments``).

Money of a paid top-up can leave again: the card holder's bank charges it back, the payment
is refunded from the provider's dashboard, or a manager asks for a refund of an unused
top-up. The platform follows each at the provider — when it looks a paid payment up again
(the webhook, ``immo-connect payments poll``) — and books it exactly once:

1. one ``PaymentReversal`` row per provider refund or chargeback (unique per payment and
   provider id; a manager's refund is written before the provider is asked and found again
   by the ``reversal`` id in the refund's metadata);
2. ``platform.wallet.take_back`` with the key ``payment-reversal:<row id>`` (so any number
   of processes book one take-back; it may leave the balance negative, and it mails the
   managers);
3. one conditional ``UPDATE … SET transaction_id … WHERE transaction_id IS NULL``: the process
   whose update changes the row writes the audit event.

A refund that fails or is canceled, and a chargeback the bank reverses, give the money back
once (``platform.wallet.give_back``) the same way. A manager's refund takes the money out of
the wallet *before* the provider is asked (an ordinary debit: never more than the balance),
and gives it back only once the provider is known not to have the refund — never on a mere
time-out, which the next look-up resolves with the same idempotency key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import uuid
from typing import TYPE_CHECKING

import peewee

from immo_connect import audit, i18n
from immo_connect.contracts.payments import (
    PaymentMethod,
    PaymentProviderError,
    ProviderPayment,
    ProviderReversal,
    RefundRequest,
    ReversalKind,
)
from immo_connect.errors import ConflictError, NotFoundError, ValidationError
from immo_connect.i18n import N_, _
from immo_connect.payments._money import euros
from immo_connect.payments._notify import notify_managers
from immo_connect.payments.models import (
    MOVING_REVERSAL_STATUSES,
    UNSETTLED_REVERSAL_STATUSES,
    Payment,
    PaymentReversal,
)
from immo_connect.storage import transaction
from immo_connect.wallet import _validate as check
from immo_connect.wallet._access import member_of
from immo_connect.wallet.models import WalletTransaction
from immo_connect.wallet.rights import RIGHT_MANAGE

if TYPE_CHECKING:
    from immo_connect.platform import Platform
    from immo_connect.wallet._access import ActorRef

log = logging.getLogger("immo_connect.payments")


@dataclasses.dataclass(frozen=True)
class RefundOffer:
    """What a manager may refund of one online top-up (shown before confirming)."""

    payment_id: int
    top_up_number: int
    top_up_at: dt.datetime
    amount_cents: int  # the top-up
    left_cents: int  # not yet refunded or charged back
    balance_cents: int
    option: str
    provider_payment_id: str

    @property
    def maximum_cents(self) -> int:
        return max(0, min(self.left_cents, self.balance_cents))

# A manager's refund the provider never confirmed is asked again this long before the money
# goes back to the wallet (and only once the provider is known not to have it).
REFUND_GRACE = dt.timedelta(minutes=15)
# Paid top-ups are looked up again for chargebacks this long after they were paid …
FOLLOW_PAID_FOR = dt.timedelta(days=180)
# … at most this often each (the webhook tells at once when it is configured).
RECHECK_PAID_EVERY = dt.timedelta(hours=6)

DESCRIPTIONS: dict[str, str] = {
    "chargeback": N_("Chargeback of the online top-up {reference}"),
    "refund": N_("Refund of the online top-up {reference}"),
}
UNDONE: dict[str, str] = {
    "chargeback": N_("Chargeback reversed: online top-up {reference}"),
    "refund": N_("Refund not carried out: online top-up {reference}"),
}


def _digest(**values: object) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


class PaymentReversals:
    platform: Platform

    # Provided by PaymentService.
    def _load(self, payment_id: int) -> Payment:
        raise NotImplementedError

    def _method(self, name: str) -> PaymentMethod:
        raise NotImplementedError

    # -- following ------------------------------------------------------------------------------

    def _follow_reversals(self, payment: Payment, method: PaymentMethod,
                          remote: ProviderPayment | None = None) -> Payment:
        """Book every refund and chargeback of a credited payment the provider reports."""
        provider_id = str(payment.provider_payment_id)
        remote = remote or method.get_payment(provider_id)
        unsettled = list(PaymentReversal.select().where(
            (PaymentReversal.payment == payment.id) & PaymentReversal.status.in_(UNSETTLED_REVERSAL_STATUSES)))
        if remote.refunded_cents or remote.charged_back_cents or unsettled:
            for item in method.list_reversals(provider_id):
                self._book(payment, item)
            for row in PaymentReversal.select().where(
                    (PaymentReversal.payment == payment.id) & (PaymentReversal.status == "requested")
                    & PaymentReversal.provider_reversal_id.is_null()):
                self._push_refund(payment, method, row, interactive=False)
        now = self.platform.clock.now()
        with transaction():
            Payment.update(checked_at=now).where(Payment.id == payment.id).execute()
        return self._load(int(payment.id))

    def follow_paid(self, *, limit: int = 100) -> int:
        """Look credited top-ups up again for refunds and chargebacks; how many were asked.

        Those with a refund on its way at every round, and the credited top-ups of the last
        180 days, least recently checked first, each at most every 6 hours.
        """
        now = self.platform.clock.now()
        moving = (PaymentReversal.select(PaymentReversal.payment)
                  .where(PaymentReversal.status.in_(MOVING_REVERSAL_STATUSES)))
        query = (Payment.select().where(
            Payment.credited_at.is_null(False)
            & ((Payment.id.in_(moving))
               | ((Payment.credited_at > now - FOLLOW_PAID_FOR)
                  & (Payment.checked_at.is_null() | (Payment.checked_at < now - RECHECK_PAID_EVERY)))))
            .order_by(Payment.checked_at.asc(nulls="first"), Payment.id).limit(limit))
        count = 0
        for payment in query:
            try:
                self._follow_reversals(payment, self._method(str(payment.provider)))
            except (PaymentProviderError, NotFoundError) as error:
                log.warning("payment %s: refunds and chargebacks not followed: %s", payment.id, error.message)
            count += 1
        return count

    def _book(self, payment: Payment, item: ProviderReversal) -> PaymentReversal:
        """One provider refund or chargeback: its row, and its money taken (or given) back once."""
        row = self._reversal_row(payment, item)
        if item.takes_money and row.transaction_id is None and row.status != "error":
            try:
                taken = self._take_back(payment, row)
            except ValidationError as error:  # more than is left of the top-up: for an operator
                log.error("payment %s: %s %s of %s cents not booked: %s", payment.id, item.kind,
                          item.provider_reversal_id, item.amount_cents, error.message)
                return row
            if taken.status == "succeeded":
                self._claim(row, payment, taken, "payment.charged_back" if row.kind == "chargeback"
                            else "payment.refunded")
        row = PaymentReversal.get_by_id(row.id)
        if not item.takes_money and row.transaction_id is not None and row.restored_transaction_id is None:
            self._give_back(payment, row, "chargeback_reversed" if row.kind == "chargeback" else "refund_failed")
        now = self.platform.clock.now()
        with transaction():
            (PaymentReversal.update(status=item.status, reason=item.reason[:200], updated_at=now)
             .where((PaymentReversal.id == row.id) & (PaymentReversal.status != "error")).execute())
        return PaymentReversal.get_by_id(row.id)

    def _reversal_row(self, payment: Payment, item: ProviderReversal) -> PaymentReversal:
        found: PaymentReversal | None = PaymentReversal.get_or_none(
            (PaymentReversal.payment == payment.id) & (PaymentReversal.provider_reversal_id == item.provider_reversal_id))
        if found is not None:
            return found
        ours = item.metadata.get("reversal", "")
        if item.kind == "refund" and ours.isdigit():  # a manager's refund, asked by this platform
            mine: PaymentReversal | None = PaymentReversal.get_or_none(
                (PaymentReversal.id == int(ours)) & (PaymentReversal.payment == payment.id))
            if mine is not None:
                with transaction():
                    (PaymentReversal.update(provider_reversal_id=item.provider_reversal_id)
                     .where((PaymentReversal.id == mine.id) & PaymentReversal.provider_reversal_id.is_null())
                     .execute())
                return PaymentReversal.get_by_id(mine.id)
        now = self.platform.clock.now()
        try:
            with transaction():
                created: PaymentReversal = PaymentReversal.create(
                    payment=payment.id, kind=item.kind, provider_reversal_id=item.provider_reversal_id,
                    amount_cents=item.amount_cents, currency=item.currency, status=item.status,
                    reason=item.reason[:200], created_at=now, updated_at=now,
                )
            return created
        except peewee.IntegrityError:  # another process recorded it at the same moment
            return PaymentReversal.get(
                (PaymentReversal.payment == payment.id)
                & (PaymentReversal.provider_reversal_id == item.provider_reversal_id))

    def _take_back(self, payment: Payment, row: PaymentReversal) -> WalletTransaction:
        """The wallet's take-back of one row; its parameters come from the row alone, so every
        process (and a retry after a crash) sends the very same request."""
        manager_refund = row.requested_by_id is not None or row.request_key is not None
        key = f"payment-reversal:{row.id}"
        booked: WalletTransaction | None = WalletTransaction.get_or_none(WalletTransaction.idempotency_key == key)
        if booked is not None:  # booked before (by another process, or before a crash)
            return booked
        top_up_id = int(payment.transaction_id or 0)
        amount = int(row.amount_cents)
        if not manager_refund:
            # A chargeback after a refund can claim more than is left of the top-up: the wallet
            # gives back what it still holds of it; the rest is between the provider and the bank.
            top_up = WalletTransaction.get_by_id(top_up_id)
            left = int(top_up.amount) - self.platform.wallet.taken_back_cents(top_up_id)
            if 0 < left < amount:
                log.warning("payment %s: %s %s of %s cents is more than the %s cents left of the top-up; "
                            "%s cents taken back", payment.id, row.kind, row.provider_reversal_id, amount, left, left)
                amount = left
        words = i18n.catalog(self.platform.settings.language)
        return self.platform.wallet.take_back(
            int(payment.organisation_id), amount,
            original_transaction_id=top_up_id, reason=str(row.kind),
            description=words.gettext(DESCRIPTIONS[str(row.kind)]).format(reference=payment.provider_payment_id),
            idempotency_key=key, actor=row.requested_by_id,
            reference="" if manager_refund else str(row.provider_reversal_id or ""),
            allow_negative=not manager_refund,
        )

    def _claim(self, row: PaymentReversal, payment: Payment, taken: WalletTransaction, action: str) -> None:
        with transaction():
            claimed = (PaymentReversal.update(transaction_id=taken.id, updated_at=self.platform.clock.now())
                       .where((PaymentReversal.id == row.id) & PaymentReversal.transaction_id.is_null()).execute())
            if claimed:
                audit.record(
                    action, actor_id=row.requested_by_id, actor="system" if row.requested_by_id is None
                    else f"account:{row.requested_by_id}", organisation_id=payment.organisation_id,
                    target=f"payment:{payment.id}", source=self.platform.source,
                    detail={"amount_cents": row.amount_cents, "transaction": taken.id, "reversal": row.id,
                            "provider_reversal_id": row.provider_reversal_id, "balance_after": taken.balance_after},
                )

    def _give_back(self, payment: Payment, row: PaymentReversal, reason: str) -> None:
        words = i18n.catalog(self.platform.settings.language)
        given = self.platform.wallet.give_back(
            int(row.transaction_id or 0), reason=reason,
            description=words.gettext(UNDONE[str(row.kind)]).format(reference=payment.provider_payment_id))
        with transaction():
            claimed = (PaymentReversal.update(restored_transaction_id=given.id, updated_at=self.platform.clock.now())
                       .where((PaymentReversal.id == row.id) & PaymentReversal.restored_transaction_id.is_null())
                       .execute())
            if claimed:
                audit.record("payment.reversal_undone", organisation_id=payment.organisation_id,
                             target=f"payment:{payment.id}", source=self.platform.source,
                             detail={"reversal": row.id, "transaction": given.id, "reason": reason})
                notify_managers(self.platform, int(payment.organisation_id), given, channel="given_back",
                                reference=str(row.provider_reversal_id or payment.provider_payment_id))

    # -- a manager's refund ---------------------------------------------------------------------

    def request_refund(self, actor: ActorRef, payment_id: int, amount_cents: int, *,
                       request_key: str | None = None) -> PaymentReversal:
        """Refund (part of) an unused online top-up to the payer, for a manager.

        The amount is at most what is left of the top-up and at most the wallet's balance;
        the method must refund (``can_refund``). The money leaves the wallet first (an
        ordinary debit, audited with the payment), then the provider is asked with an
        idempotency key; if the provider refuses, the money comes back to the wallet and the
        refusal is raised. ``request_key`` (one per confirmed form) makes a repeated request
        return the same refund.
        """
        payment = self._load(payment_id)
        manager = member_of(self.platform, actor, int(payment.organisation_id), right=RIGHT_MANAGE,
                            action="payment.refund")
        return self._refund(payment, manager.id, amount_cents, request_key or f"refund:{uuid.uuid4().hex}")

    def refund_approved(self, request_id: int) -> PaymentReversal:
        """Carry out the card refund a finance operator asked for in the back office.

        Only an ``approved`` money request of kind ``card_refund`` is carried out (its checks,
        reason, audit and four eyes are the money desk's): there is no other way for an
        operator to refund a card. The request's id is the refund's key, so an interrupted
        booking that is resumed refunds once.
        """
        from immo_connect.operators.models import MoneyRequest

        row: MoneyRequest | None = MoneyRequest.get_or_none(MoneyRequest.id == int(request_id))
        if row is None or row.kind != "card_refund" or row.status != "approved":
            raise ConflictError(_("This refund is not approved."),
                                hint=_("Ask for it at the money desk; above the limit a second finance "
                                       "operator approves it."), code="refund_not_approved")
        payment = self.top_up_payment(int(row.original_transaction_id or 0))
        if int(payment.organisation_id) != int(row.organisation_key):
            raise ValidationError(_("This top-up belongs to another organisation."),
                                  hint=_("Check the top-up's transaction id."), code="top_up_elsewhere",
                                  field="original_transaction_id")
        return self._refund(payment, int(row.requested_by_key), int(row.amount_cents), f"operators:money:{row.id}")

    def top_up_payment(self, transaction_id: int) -> Payment:
        """The online payment whose top-up was booked as wallet transaction ``transaction_id``."""
        payment: Payment | None = Payment.get_or_none(Payment.transaction_id == int(transaction_id))
        if payment is None:
            raise ValidationError(
                _("Only an online top-up can be refunded."),
                hint=_("Choose the line of an online top-up in the list."), code="refund_not_possible")
        return payment

    def card_refundable(self, transaction_id: int, amount_cents: int) -> Payment:
        """The payment of a top-up that a card refund of ``amount_cents`` can give back now
        (a method that refunds, at most what is left of the top-up and of the balance)."""
        payment = self.top_up_payment(transaction_id)
        self._refundable(payment, self._method(str(payment.provider)), amount_cents)
        return payment

    def refunds_by_card(self, transaction_id: int) -> bool:
        """Whether the top-up booked as ``transaction_id`` was paid online with a method that
        refunds: giving it back must then go through the provider, not only the wallet."""
        payment: Payment | None = Payment.get_or_none(Payment.transaction_id == int(transaction_id))
        if payment is None:
            return False
        try:
            return bool(self._method(str(payment.provider)).can_refund)
        except NotFoundError:
            return False

    def _refund(self, payment: Payment, account_id: int, amount_cents: int, key: str) -> PaymentReversal:
        """A refund asked by ``account_id`` (checked by the caller), exactly once per ``key``."""
        method = self._method(str(payment.provider))
        if not isinstance(key, str) or not 0 < len(key) <= 255:
            raise ValidationError(_("The request key must be 1 to 255 characters."),
                                  hint=_("Generate one key per submitted form."), field="request_key")
        digest = _digest(payment=payment.id, amount=amount_cents, account=account_id)
        row: PaymentReversal | None = PaymentReversal.get_or_none(PaymentReversal.request_key == key)
        if row is not None and row.request_hash != digest:
            raise ConflictError(_("This request key was already used for a different refund."),
                                hint=_("Ask for the new refund from the form again."), field="request_key",
                                code="request_key_reused")
        if row is not None and row.status == "error":
            raise ConflictError(_("This refund was refused; nothing was refunded."),
                                hint=_("Ask for the refund again from the form."), field="request_key",
                                code="refund_refused")
        if row is None:
            amount = self._refundable(payment, method, amount_cents)
            row = self._insert_request(payment, account_id, amount, key, digest)
        if row.transaction_id is None and row.status == "requested":
            taken = self._take_back(payment, row)
            if taken.status != "succeeded":
                self._refuse_request(payment, row, "insufficient_funds")
                raise ValidationError(
                    _("The wallet no longer holds {amount}: nothing was refunded.").format(
                        amount=euros(int(row.amount_cents))),
                    hint=_("Only money still in the wallet can be refunded."), field="amount",
                    code="refund_above_balance")
            self._claim(row, payment, taken, "payment.refund_debited")
            row = PaymentReversal.get_by_id(row.id)
        if row.status == "requested" and row.provider_reversal_id is None:
            self._push_refund(payment, method, row, interactive=True)
        return PaymentReversal.get_by_id(row.id)

    def refund_offer(self, actor: ActorRef, transaction_id: int) -> RefundOffer:
        """What a manager may refund of the online top-up booked as wallet transaction
        ``transaction_id`` (the line chosen in the wallet's history)."""
        payment = self.top_up_payment(transaction_id)
        member_of(self.platform, actor, int(payment.organisation_id), right=RIGHT_MANAGE,
                            action="payment.refund")
        method = self._method(str(payment.provider))
        if not method.can_refund:
            raise ValidationError(
                _("This top-up cannot be refunded here."),
                hint=_("Only credited online top-ups of a provider that refunds can be refunded."),
                code="refund_not_possible")
        top_up = self.platform.wallet.transaction(actor, transaction_id)
        left = int(payment.amount_cents) - self.platform.wallet.taken_back_cents(transaction_id)
        balance = int(self.platform.wallet.ensure_wallet(int(payment.organisation_id)).balance)
        return RefundOffer(int(payment.id), int(top_up.number or 0), top_up.created_at, int(payment.amount_cents),
                           left, balance, str(payment.option), str(payment.provider_payment_id))

    def _refundable(self, payment: Payment, method: PaymentMethod, amount_cents: object) -> int:
        if not method.can_refund or payment.credited_at is None or payment.transaction_id is None:
            raise ValidationError(
                _("This top-up cannot be refunded here."),
                hint=_("Only credited online top-ups of a provider that refunds can be refunded."),
                code="refund_not_possible")
        amount = check.amount(amount_cents, field="amount")
        left = int(payment.amount_cents) - self.platform.wallet.taken_back_cents(int(payment.transaction_id))
        if amount > left:
            raise ValidationError(
                _("At most {left} of this top-up can still be refunded.").format(left=euros(left)),
                hint=_("Enter a smaller amount."), field="amount", code="refund_above_top_up")
        balance = int(self.platform.wallet.ensure_wallet(int(payment.organisation_id)).balance)
        if amount > balance:
            raise ValidationError(
                _("The wallet holds only {balance}: money already used cannot be refunded.").format(
                    balance=euros(max(balance, 0))),
                hint=_("Enter at most the balance."), field="amount", code="refund_above_balance")
        return amount

    def _insert_request(self, payment: Payment, account_id: int, amount: int, key: str,
                        digest: str) -> PaymentReversal:
        now = self.platform.clock.now()
        try:
            with transaction():
                row: PaymentReversal = PaymentReversal.create(
                    payment=payment.id, kind="refund", amount_cents=amount, currency=payment.currency,
                    status="requested", requested_by=account_id, request_key=key, request_hash=digest,
                    provider_key=f"immo-connect-refund-{uuid.uuid4().hex}", created_at=now, updated_at=now,
                )
                audit.record("payment.refund_requested", actor_id=account_id, actor=f"account:{account_id}",
                             organisation_id=payment.organisation_id, target=f"payment:{payment.id}",
                             source=self.platform.source, detail={"amount_cents": amount, "reversal": row.id})
            return row
        except peewee.IntegrityError:  # the same request key submitted twice at once
            return PaymentReversal.get(PaymentReversal.request_key == key)

    def _push_refund(self, payment: Payment, method: PaymentMethod, row: PaymentReversal, *,
                     interactive: bool) -> None:
        """Ask the provider for a manager's refund (again: the same idempotency key)."""
        words = i18n.catalog(self.platform.settings.language)
        request = RefundRequest(
            provider_payment_id=str(payment.provider_payment_id), amount_cents=int(row.amount_cents),
            description=words.gettext(DESCRIPTIONS["refund"]).format(reference=payment.provider_payment_id),
            idempotency_key=str(row.provider_key), currency=str(row.currency),
            metadata={"reversal": str(row.id), "payment": str(payment.id)},
        )
        try:
            remote = method.create_refund(request)
        except PaymentProviderError as error:
            try:
                found = [r for r in method.list_reversals(str(payment.provider_payment_id))
                         if r.metadata.get("reversal") == str(row.id)]
            except PaymentProviderError:
                if interactive:  # unknown whether it was made: the money stays out until we know
                    raise PaymentProviderError(
                        error.message, hint=_("The refund is asked again automatically; the amount stays "
                                              "reserved and comes back to the wallet if it cannot be made.")) from None
                return
            if not found:
                young = self.platform.clock.now() - row.created_at < REFUND_GRACE
                if not interactive and young:
                    return  # asked again at the next look-up
                self._refuse_request(payment, row, error.message)
                if interactive:
                    raise
                return
            remote = found[0]
        self._book(payment, remote)

    def _refuse_request(self, payment: Payment, row: PaymentReversal, reason: str) -> None:
        """The provider does not have the refund: the money (if taken) comes back, the row ends."""
        row = PaymentReversal.get_by_id(row.id)
        if row.transaction_id is not None and row.restored_transaction_id is None:
            self._give_back(payment, row, "refund_failed")
        with transaction():
            changed = (PaymentReversal.update(status="error", updated_at=self.platform.clock.now())
                       .where((PaymentReversal.id == row.id) & (PaymentReversal.status == "requested")).execute())
            if changed:
                audit.record("payment.refund_refused", actor_id=row.requested_by_id, actor="system",
                             organisation_id=payment.organisation_id, target=f"payment:{payment.id}",
                             outcome="failed", source=self.platform.source,
                             detail={"reversal": row.id, "reason": reason[:200]})

    # -- reading and simulating ----------------------------------------------------------------

    def refundable_top_ups(self, actor: ActorRef, organisation_id: int) -> list[tuple[Payment, int]]:
        """A manager's credited online top-ups that can still be refunded, with what is left of each."""
        member_of(self.platform, actor, check.organisation_id(organisation_id), right=RIGHT_MANAGE,
                  action="payment.refund")
        found: list[tuple[Payment, int]] = []
        refunding = {m.name for m in self.platform.plugins.payment_methods() if m.can_refund}
        query = (Payment.select().where((Payment.organisation == organisation_id)
                                        & Payment.credited_at.is_null(False) & Payment.provider.in_(sorted(refunding)))
                 .order_by(Payment.id.desc()).limit(50))
        for payment in query:
            left = int(payment.amount_cents) - self.platform.wallet.taken_back_cents(int(payment.transaction_id or 0))
            if left > 0:
                found.append((payment, left))
        return found

    def reversals(self, payment_id: int) -> list[PaymentReversal]:
        return list(PaymentReversal.select().where(PaymentReversal.payment == payment_id).order_by(PaymentReversal.id))

    def simulate_reversal(self, payment_id: int, kind: ReversalKind, amount_cents: int | None = None) -> Payment:
        """Test-mode methods only (an operator's demo): a chargeback or a dashboard refund of a
        paid top-up, then the payment is looked up as the provider's webhook would cause."""
        payment = self._load(payment_id)
        method = self._method(str(payment.provider))
        if not method.test_mode or payment.credited_at is None:
            raise ValidationError(
                _("Only paid demo top-ups can be charged back or refunded this way."),
                hint=_("Choose a paid top-up of a test-mode method."), code="payment_not_simulated")
        amount = int(payment.amount_cents) if amount_cents is None else check.amount(amount_cents, field="amount")
        method.simulate_reversal(str(payment.provider_payment_id), kind, amount)
        return self._follow_reversals(payment, method)
