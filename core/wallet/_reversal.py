"""Money of a top-up taken back: chargebacks, refunds, returned and recalled transfers.

A top-up the platform credited can leave again weeks later: the card holder's bank charges
it back, the provider refunds it, the payer's bank returns or recalls the transfer. That
money is already gone, so :meth:`WalletReversals.take_back` books it even when the balance
goes below zero (a negative wallet then pays for nothing: every ordinary debit's conditional
UPDATE fails until a top-up brings it back). A take-back is a row of kind ``reversal``:

* linked to the top-up it concerns (``counterpart_transaction_id``), never more than what
  is left of that top-up;
* posted from the wallet back to the platform account the top-up came from
  (``platform:online_topups`` or ``platform:bank_transfers``);
* idempotent on its key, audited by its own row (action ``wallet.take_back``), and mailed
  to the organisation's managers (template ``topup_taken_back``) in the same transaction.

:meth:`WalletReversals.give_back` undoes one take-back once (a refund the provider could
not carry out, a chargeback the bank reversed): a ``reversal`` row with a positive amount,
linked to the take-back it undoes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import peewee

from immo_connect import i18n
from immo_connect.errors import ConflictError, NotFoundError, ValidationError
from immo_connect.formatting import money
from immo_connect.i18n import N_, _
from immo_connect.storage import database
from immo_connect.wallet import _ledger
from immo_connect.wallet import _validate as check
from immo_connect.wallet._access import ActorRef
from immo_connect.wallet.models import (
    KIND_REVERSAL,
    PLATFORM_ACCOUNTS,
    REVERSIBLE_KINDS,
    STATUS_FAILED,
    STATUS_SUCCEEDED,
    WalletTransaction,
    wallet_account,
)

if TYPE_CHECKING:
    from immo_connect.platform import Platform

#: Why money was taken back (stored in the row's ``failure_reason`` column, the "reason" of
#: the history, CSV and voucher).
REVERSAL_REASONS: dict[str, str] = {
    "chargeback": N_("Charged back by the card holder's bank"),
    "refund": N_("Refunded to the payer"),
    "transfer_returned": N_("Transfer returned by the bank"),
    "transfer_recalled": N_("Transfer recalled by the payer's bank"),
}
#: Why a take-back was given back.
RESTORE_REASONS: dict[str, str] = {
    "refund_failed": N_("The refund could not be carried out"),
    "chargeback_reversed": N_("The chargeback was reversed"),
    "operator": N_("Given back by the platform's team"),
}

TEMPLATE = "topup_taken_back"


def _digest(*request: object) -> str:
    return hashlib.sha256(repr(request).encode()).hexdigest()


def _taken_back(wallet_id: int, original_id: int) -> int:
    """What is taken back of one top-up now: its take-backs minus what was given back."""
    row = database.obj.execute_sql(
        "SELECT COALESCE(SUM(-r.amount - COALESCE(g.amount, 0)), 0) FROM wallet_transaction r "
        "LEFT JOIN wallet_transaction g ON g.counterpart_transaction_id = r.id AND g.wallet_id = r.wallet_id "
        "AND g.type_key = 'reversal' AND g.status = 'succeeded' AND g.amount > 0 "
        "WHERE r.wallet_id = %s AND r.type_key = 'reversal' AND r.status = 'succeeded' AND r.amount < 0 "
        "AND r.counterpart_transaction_id = %s".replace("%s", database.obj.param),
        (wallet_id, original_id),
    ).fetchone()
    return int(row[0])


class WalletReversals:
    """``platform.wallet.take_back`` and ``give_back`` (mixed into the wallet service)."""

    platform: Platform

    # Provided by WalletService.
    def _wallet_id(self, organisation_id: int) -> int:
        raise NotImplementedError

    def _actor_name(self, actor: ActorRef | None) -> tuple[int | None, str]:
        raise NotImplementedError

    def _values(self, wallet_id: int, *, kind: str, tool: str, description: str, amount: int,
                actor: tuple[int | None, str], key: str | None, digest: str, reference: str,
                now: Any, action: str) -> dict[str, Any]:
        raise NotImplementedError

    def _insert(self, values: dict[str, Any]) -> WalletTransaction:
        raise NotImplementedError

    def _replay(self, key: str, digest: str) -> WalletTransaction | None:
        raise NotImplementedError

    def _execute(self, key: str, digest: str,
                 work: Callable[[], list[WalletTransaction]]) -> list[WalletTransaction]:
        raise NotImplementedError

    # -- taking back ----------------------------------------------------------------------------

    def take_back(self, organisation_id: int, amount_cents: int, *, original_transaction_id: int,
                  reason: str, description: str, idempotency_key: str, actor: ActorRef | None = None,
                  reference: str = "", allow_negative: bool = True) -> WalletTransaction:
        """Take ``amount_cents`` of a top-up back out of the organisation's wallet.

        ``original_transaction_id`` is the top-up (``online_topup`` or ``bank_transfer``) of
        this wallet; at most what is left of it can be taken back. ``reason`` is one of
        ``chargeback``, ``refund``, ``transfer_returned``, ``transfer_recalled``;
        ``reference`` keeps the provider's or bank's id of the chargeback, refund or return.
        The balance may go below zero (the money is gone already), unless
        ``allow_negative=False`` (a refund a manager asks for): then too low a balance gives
        a failed row with ``failure_reason`` ``insufficient_funds``, like a charge.

        A replay with the same key returns the first row; the managers are mailed once.
        """
        organisation_id = check.organisation_id(organisation_id)
        amount = check.amount(amount_cents)
        if reason not in REVERSAL_REASONS:
            raise ValidationError(
                _("Unknown reason {reason!r} for taking money back.").format(reason=reason),
                hint=_("Use one of: {reasons}.").format(reasons=", ".join(REVERSAL_REASONS)),
                field="reason", code="reason_invalid",
            )
        original_id = check.organisation_id(original_transaction_id, field="original_transaction_id")
        text = check.description(description)
        key = check.idempotency_key(idempotency_key)
        ref = check.reference(reference)
        who = self._actor_name(actor)
        digest = _digest("take_back", organisation_id, amount, original_id, reason, text, ref, allow_negative)
        replayed = self._replay(key, digest)
        if replayed is not None:
            return replayed

        def work() -> list[WalletTransaction]:
            wallet_id = self._wallet_id(organisation_id)
            _ledger.touch(wallet_id)  # lock the wallet: the check below sees every earlier take-back
            if _ledger.find_key(key) is not None:
                # A twin committed meanwhile: the engine answers it as the replay it is.
                raise peewee.IntegrityError("idempotency key already used")
            original = self._top_up(wallet_id, original_id)
            left = int(original.amount) - _taken_back(wallet_id, original_id)
            if amount > left:
                raise ValidationError(
                    _("Only {left} of this top-up can still be taken back, not {amount}.").format(
                        left=_euros(left), amount=_euros(amount)),
                    hint=_("Take back at most what is left of the top-up."),
                    field="amount_cents", code="take_back_too_large",
                )
            now = self.platform.clock.now()
            values = self._values(wallet_id, kind=KIND_REVERSAL, tool="", description=text, amount=-amount,
                                  actor=who, key=key, digest=digest, reference=ref, now=now,
                                  action="wallet.take_back")
            values.update(counterpart_transaction_id=original_id, failure_reason=reason)
            moved = _ledger.take(wallet_id, amount) if allow_negative else _ledger.debit(wallet_id, amount)
            if moved is None:
                bumped = _ledger.bump(wallet_id)
                assert bumped is not None  # the wallet is locked above
                values.update(number=bumped[1], balance_before=bumped[0], balance_after=bumped[0],
                              status=STATUS_FAILED, failure_reason="insufficient_funds")
                return [self._insert(values)]
            balance, number = moved
            values.update(number=number, balance_before=balance + amount, balance_after=balance,
                          debit_account=wallet_account(wallet_id),
                          credit_account=PLATFORM_ACCOUNTS[str(original.kind)])
            row = self._insert(values)
            notify_taken_back(self.platform, organisation_id, row, original)
            return [row]

        return self._execute(key, digest, work)[0]

    def give_back(self, take_back_transaction_id: int, *, reason: str, description: str,
                  actor: ActorRef | None = None) -> WalletTransaction:
        """Undo one take-back, once: its amount comes back into the wallet.

        ``reason`` is ``refund_failed``, ``chargeback_reversed`` or ``operator``. The
        idempotency key is derived from the take-back, so however often this is called the
        money comes back once and the same row is returned.
        """
        if reason not in RESTORE_REASONS:
            raise ValidationError(
                _("Unknown reason {reason!r} for giving money back.").format(reason=reason),
                hint=_("Use one of: {reasons}.").format(reasons=", ".join(RESTORE_REASONS)),
                field="reason", code="reason_invalid",
            )
        text = check.description(description)
        who = self._actor_name(actor)
        taken: WalletTransaction | None = WalletTransaction.get_or_none(
            WalletTransaction.id == take_back_transaction_id)
        if taken is None or taken.kind != KIND_REVERSAL or int(taken.amount) >= 0:
            raise NotFoundError(_("There is no such money taken back to give back."),
                                hint=_("Give the id of a take-back transaction."), code="take_back_not_found")
        key = f"give-back:{taken.id}"
        if taken.status != STATUS_SUCCEEDED:
            raise ConflictError(_("This take-back moved no money, so there is nothing to give back."),
                                hint=_("Nothing to do."), code="take_back_failed")
        wallet_id, amount = int(taken.wallet_id), -int(taken.amount)
        digest = _digest("give_back", taken.id, reason, text)
        replayed = self._replay(key, digest)
        if replayed is not None:
            return replayed

        def work() -> list[WalletTransaction]:
            now = self.platform.clock.now()
            values = self._values(wallet_id, kind=KIND_REVERSAL, tool="", description=text, amount=amount,
                                  actor=who, key=key, digest=digest, reference=str(taken.reference),
                                  now=now, action="wallet.give_back")
            values.update(counterpart_transaction_id=taken.id, failure_reason=reason)
            moved = _ledger.credit(wallet_id, amount)
            assert moved is not None  # the wallet of an existing row
            balance, number = moved
            values.update(number=number, balance_before=balance - amount, balance_after=balance,
                          debit_account=str(taken.credit_account), credit_account=wallet_account(wallet_id))
            return [self._insert(values)]

        return self._execute(key, digest, work)[0]

    def taken_back_cents(self, original_transaction_id: int) -> int:
        """How much of a top-up is taken back now (take-backs minus what was given back)."""
        row: WalletTransaction | None = WalletTransaction.get_or_none(WalletTransaction.id == original_transaction_id)
        return 0 if row is None else _taken_back(int(row.wallet_id), int(row.id))

    def _top_up(self, wallet_id: int, original_id: int) -> WalletTransaction:
        original: WalletTransaction | None = WalletTransaction.get_or_none(WalletTransaction.id == original_id)
        if (original is None or int(original.wallet_id) != wallet_id or original.kind not in REVERSIBLE_KINDS
                or original.status != STATUS_SUCCEEDED):
            raise NotFoundError(
                _("Transaction {id} is not a top-up of this wallet, so nothing of it can be taken back.").format(
                    id=original_id),
                hint=_("Give the wallet transaction of the online payment or bank transfer concerned."),
                field="original_transaction_id", code="top_up_not_found",
            )
        return original


def _euros(cents: int) -> str:
    """An amount in a sentence, with its currency, in the language of the reader."""
    return money(cents)


def reason_text(reason: str, language: str | None = None) -> str:
    """The words for a take-back's or give-back's reason, in ``language`` (or the current one)."""
    words = {**REVERSAL_REASONS, **RESTORE_REASONS}.get(reason)
    if words is None:
        return reason
    return i18n.catalog(language).gettext(words) if language else _(words)


def notify_taken_back(platform: Platform, organisation_id: int, row: WalletTransaction,
                      original: WalletTransaction) -> int:
    """Queue one mail per manager (template ``topup_taken_back``), in the caller's transaction."""
    from immo_connect.mail import enqueue
    from immo_connect.payments._notify import recipients

    organisation_name, accounts = recipients(organisation_id)
    balance = int(row.balance_after or 0)
    for account in accounts:
        language = account.language if account.language in i18n.LANGUAGES else None
        # Amounts and dates of the mail in its reader's language, not the actor's.
        with i18n.using(language or platform.settings.language):
            words = i18n.catalog(language or platform.settings.language)
            notice = (words.gettext("The balance is now negative: the organisation's tools cannot be paid for "
                                    "until the wallet is topped up by at least {amount}.")
                      .format(amount=_euros(-balance)) if balance < 0 else "")
            enqueue(
                to=str(account.email), template=TEMPLATE, key=f"{TEMPLATE}:{row.id}:{account.id}", language=language,
                context={
                    "first_name": account.first_name, "organisation": organisation_name,
                    "amount": money(-int(row.amount)),
                    "reason": reason_text(str(row.failure_reason), language or platform.settings.language),
                    "top_up": words.gettext("no. {number} of {date}, {amount}").format(
                        number=original.number, date=_date(original.created_at), amount=_euros(int(original.amount))),
                    "reference": str(row.reference) or "—",
                    "number": row.number, "date": _date(row.created_at) + " UTC",
                    "balance": money(balance), "balance_notice": notice,
                },
            )
    return len(accounts)


def _date(moment: dt.datetime) -> str:
    from immo_connect import formatting

    return formatting.date_time(moment)
