"""The wallet API: ``platform.wallet``. Money is never lost, never created, never spent twice.

Movements (what tool and payment plugins call):

* :meth:`WalletService.charge` — a tool takes money from an organisation's wallet.
* :meth:`WalletService.credit` — money arrived (online payment, bank transfer, correction).
* :meth:`WalletService.transfer` — a manager moves money between wallets it manages.
* :meth:`WalletService.take_back` — money of a top-up left again (chargeback, refund,
  returned transfer); the balance may go below zero (``_reversal.py``).

Each takes an **idempotency key**, unique platform-wide (prefix it with your plugin's name):
a replay with the same parameters returns the original transaction (even a failed one, so a
retry never turns an old failure into a new success); the same key with other parameters is
refused with :class:`~immo_connect.errors.ConflictError`. Each movement commits in one
database transaction; its rows are at once its double-entry postings and its audit records
(see ``models.py``); the plugins' ``immo_connect_transaction_posted`` hook is told after the
commit. Reads (history, filters, CSV, vouchers) are in ``_views.py``, ``export.py`` and
``voucher.py``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import peewee

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.errors import ConflictError, NotFoundError, ValidationError
from immo_connect.formats import ogm
from immo_connect.i18n import _
from immo_connect.organisations.models import Organisation
from immo_connect.storage import on_commit, transaction
from immo_connect.wallet import _ledger
from immo_connect.wallet import _validate as check
from immo_connect.wallet._access import (
    Actor,
    ActorRef,
    actor_id,
    member_of,
    require_member,
)
from immo_connect.wallet._at_once import ChargeAtOnce
from immo_connect.wallet._documents import WalletDocuments
from immo_connect.wallet._reversal import WalletReversals
from immo_connect.wallet._rights_admin import WalletRightsAdmin
from immo_connect.wallet._views import WalletViews
from immo_connect.wallet.models import (
    CREDIT_KINDS,
    KIND_CORRECTION,
    KIND_ONLINE_TOPUP,
    KIND_TOOL,
    KIND_TRANSFER,
    PLATFORM_ACCOUNTS,
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SUCCEEDED,
    TOOL_ACCOUNT_PREFIX,
    Wallet,
    WalletTransaction,
    type_key,
    wallet_account,
)
from immo_connect.wallet.rights import RIGHT_MANAGE, RIGHT_TOP_UP, check_right
from immo_connect.wallet.texts import status_label

if TYPE_CHECKING:
    from immo_connect.platform import Platform

log = logging.getLogger("immo_connect.wallet")

INSUFFICIENT_FUNDS = "insufficient_funds"
OGM_BASE_OFFSET = 1_000_000_000  # wallet communications start with 1: +++1xx/xxxx/xxxxx+++
_ATTEMPTS = 5


class _Retry(Exception):
    """A race lost to another writer (wallet creation, deadlock): run the request again."""


def _digest(*request: object) -> str:
    """A fingerprint of a request's parameters (compared on replays)."""
    return hashlib.sha256(repr(request).encode()).hexdigest()


def _moved(result: tuple[int, int] | None) -> tuple[int, int]:
    if result is None:  # the wallet vanished (a rolled-back creation): look it up again
        raise _Retry
    return result


class WalletService(ChargeAtOnce, WalletRightsAdmin, WalletReversals, WalletViews, WalletDocuments):
    """One instance per platform (``platform.wallet``)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        # organisation id -> wallet id, for wallets seen committed (a wallet never changes id).
        self._wallet_ids: dict[int, int] = {}

    # -- wallets ---------------------------------------------------------------------------

    def _wallet_id(self, organisation_id: int) -> int:
        """The organisation's wallet id, creating the wallet on first use (inside a transaction)."""
        cached = self._wallet_ids.get(organisation_id)
        if cached is not None:
            return cached
        found = _ledger.wallet_id_of(organisation_id)
        if found is not None:
            self._wallet_ids[organisation_id] = found
            return found
        if not Organisation.select().where(Organisation.id == organisation_id).exists():
            raise NotFoundError(
                _("There is no organisation (and so no wallet) with id {id}.").format(id=organisation_id),
                hint=_("Check the organisation; it may have been removed."), code="wallet_not_found",
            )
        communication = ogm.generate(OGM_BASE_OFFSET + organisation_id)
        _ledger.create_wallet(organisation_id, communication, self.platform.clock.now())
        created = _ledger.wallet_id_of(organisation_id)
        assert created is not None
        return created

    def ensure_wallet(self, organisation_id: int) -> Wallet:
        """The organisation's wallet, created (empty) when it has none yet."""
        organisation_id = check.organisation_id(organisation_id)
        with transaction():
            wallet_id = self._wallet_id(organisation_id)
        wallet: Wallet = Wallet.get_by_id(wallet_id)
        return wallet

    def structured_communication(self, organisation_id: int) -> str:
        """The wallet's structured communication, formatted ``+++123/4567/89002+++``.

        Unique per wallet and stable; a bank transfer carrying it is credited to this wallet.
        """
        return ogm.format_ogm(str(self.ensure_wallet(organisation_id).structured_communication))

    def wallet_for_communication(self, structured_communication: str) -> Wallet | None:
        """The wallet a structured communication belongs to, or ``None`` when no wallet has it.

        Accepts the ways people and banks write it (``+++…+++``, ``***…***``, spaces, or the
        bare 12 digits). A malformed communication (wrong length, characters or mod-97 check
        digits) raises :class:`~immo_connect.errors.ValidationError` with ``code`` ``ogm_…``.
        """
        digits = ogm.validate(structured_communication)
        wallet: Wallet | None = Wallet.get_or_none(Wallet.structured_communication == digits)
        return wallet

    def require_top_up_allowed(self, actor: ActorRef, organisation_id: int) -> None:
        """Refuse (audited) unless ``actor`` may start a top-up: the ``top_up`` wallet right."""
        member_of(self.platform, actor, check.organisation_id(organisation_id), right=RIGHT_TOP_UP,
                  action="wallet.top_up")

    def require_right(self, actor: ActorRef, organisation_id: int, right: str, *,
                      action: str = "wallet.access") -> Actor:
        """The acting member when it holds the wallet right ``right`` (``rights.py``) in the
        organisation; else :class:`~immo_connect.errors.PermissionDenied`, audited as
        ``action``. Call it before opening your own transaction."""
        return member_of(self.platform, actor, check.organisation_id(organisation_id),
                         right=check_right(right), action=action)

    # -- movements -------------------------------------------------------------------------

    def charge(self, actor: ActorRef, organisation_id: int, amount_cents: int, *, tool: str,
               description: str, idempotency_key: str, public_description: str = "",
               usage_mode: str | None = None) -> WalletTransaction:
        """Take ``amount_cents`` from the organisation's wallet for the use of ``tool``.

        A non-empty ``public_description`` marks ``description`` confidential: it is what
        members without access to ``tool`` see instead (``shown.py``). ``usage_mode`` is the
        mode the tool runs under (``platform.tools.charge`` passes it): stored on the row, it
        gives the invoice one line per tool and usage mode.

        ``actor`` must be an active member of the organisation. When the balance is too low
        the transaction is recorded with status ``failed`` and ``failure_reason``
        ``"insufficient_funds"`` and returned (not raised): the balance never goes below zero.
        """
        organisation_id = check.organisation_id(organisation_id)
        amount = check.amount(amount_cents)
        tool = check.tool(tool)
        text = check.description(description)
        key = check.idempotency_key(idempotency_key)
        public = check.description(public_description)[:200] if public_description else ""
        mode = None if usage_mode is None else check.usage_mode(usage_mode)
        # The public text and the mode describe the charge, they are not the request: a replay
        # with others returns the first row as it was (and rows stored before the mode was
        # recorded keep matching their replays).
        digest = _digest("charge", organisation_id, amount, tool, text)
        values = self._values(0, kind=KIND_TOOL, tool=tool, description=text, amount=-amount,
                              actor=(actor_id(actor), ""), key=key, digest=digest, reference="",
                              now=self.platform.clock.now(), action="wallet.charge")
        values.update(public_description=public, credit_account=TOOL_ACCOUNT_PREFIX + tool, usage_mode=mode)
        charged = self._charge_at_once(values, organisation_id, amount)
        if charged is not None:
            return charged
        # Not charged at once: tell why (a refusal, too low a balance, a first charge, a replay).
        member = require_member(actor, organisation_id, action="wallet.charge", source=self.platform.source)

        def work() -> list[WalletTransaction]:
            wallet_id = self._wallet_id(organisation_id)
            return [self._debit(wallet_id, amount, kind=KIND_TOOL, tool=tool,
                                description=text, key=key, digest=digest, actor_id=member.id,
                                actor_name=member.username, counter_account=TOOL_ACCOUNT_PREFIX + tool,
                                action="wallet.charge", public_description=public, usage_mode=mode)]

        return self._execute(key, digest, work)[0]

    def credit(self, organisation_id: int, amount_cents: int, *, kind: str, description: str,
               idempotency_key: str, actor: ActorRef | None = None, reference: str = "",
               pending: bool = False) -> WalletTransaction:
        """Add money that arrived: ``kind`` is ``"online_topup"``, ``"bank_transfer"`` or ``"correction"``.

        Not authorised against ``actor`` (the money is there; check who may *start* a top-up
        with :meth:`require_top_up_allowed`); ``actor`` is recorded when given. ``reference``
        keeps the provider's payment id or the bank's reference. With ``pending=True`` the
        transaction is recorded without moving money (status ``pending``, no number yet) and
        :meth:`settle` completes it once.
        """
        organisation_id = check.organisation_id(organisation_id)
        amount = check.amount(amount_cents)
        if kind not in CREDIT_KINDS:
            raise ValidationError(
                _("Unknown kind of credit {kind!r}.").format(kind=kind),
                hint=_("Use one of: {kinds}.").format(kinds=", ".join(CREDIT_KINDS)),
                field="kind", code="kind_invalid",
            )
        text = check.description(description)
        key = check.idempotency_key(idempotency_key)
        ref = check.reference(reference)
        who = self._actor_name(actor)
        digest = _digest("credit", organisation_id, amount, kind, text, ref, pending)

        def work() -> list[WalletTransaction]:
            wallet_id = self._wallet_id(organisation_id)
            now = self.platform.clock.now()
            values = self._values(wallet_id, kind=kind, tool="", description=text, amount=amount,
                                  actor=who, key=key, digest=digest, reference=ref, now=now,
                                  action="wallet.credit_pending" if pending else "wallet.credit")
            if pending:
                values.update(status=STATUS_PENDING, completed_at=None)
                return [self._insert(values)]
            balance, number = _moved(_ledger.credit(wallet_id, amount))
            values.update(number=number, balance_before=balance - amount, balance_after=balance,
                          debit_account=PLATFORM_ACCOUNTS[kind], credit_account=wallet_account(wallet_id))
            return [self._insert(values)]

        return self._execute(key, digest, work)[0]

    def failed_top_up(self, organisation_id: int, amount_cents: int, *, reason: str, description: str,
                      idempotency_key: str, actor: ActorRef | None = None,
                      reference: str = "") -> WalletTransaction:
        """Record an online top-up that did not go through (``reason``: ``payment_failed``,
        ``payment_canceled``, ``payment_expired``): a failed ``online_topup`` row with the
        amount asked, numbered like every attempt; no money moves. It lets the history answer
        « did my payment fail? ». Idempotent on its key like every movement.
        """
        organisation_id = check.organisation_id(organisation_id)
        amount = check.amount(amount_cents)
        text = check.description(description)
        key = check.idempotency_key(idempotency_key)
        ref = check.reference(reference)
        who = self._actor_name(actor)
        digest = _digest("failed_top_up", organisation_id, amount, reason, text, ref)

        def work() -> list[WalletTransaction]:
            wallet_id = self._wallet_id(organisation_id)
            values = self._values(wallet_id, kind=KIND_ONLINE_TOPUP, tool="", description=text, amount=amount,
                                  actor=who, key=key, digest=digest, reference=ref,
                                  now=self.platform.clock.now(), action="wallet.credit")
            balance, number = _moved(_ledger.bump(wallet_id))
            values.update(number=number, balance_before=balance, balance_after=balance,
                          status=STATUS_FAILED, failure_reason=reason[:50])
            return [self._insert(values)]

        return self._execute(key, digest, work)[0]

    def settle(self, transaction_id: int, *, succeeded: bool, reason: str = "",
               actor: ActorRef | None = None) -> WalletTransaction:
        """Complete a pending credit once: it moves the money (``succeeded``) or fails.

        Settling again with the same outcome returns the transaction; the other outcome is
        refused with :class:`~immo_connect.errors.ConflictError`.
        """
        who = self._actor_name(actor)
        wanted = STATUS_SUCCEEDED if succeeded else STATUS_FAILED
        with transaction():
            row: WalletTransaction | None = WalletTransaction.get_or_none(WalletTransaction.id == transaction_id)
            if row is None:
                raise NotFoundError(_("This transaction does not exist."), code="transaction_not_found")
            if row.status != STATUS_PENDING:
                if row.status == wanted:
                    return row
                raise ConflictError(
                    _("This transaction is already {status}; it cannot change any more.").format(
                        status=status_label(str(row.status)).lower()),
                    hint=_("Record a new transaction (or a correction) instead."), code="transaction_final",
                )
            now = self.platform.clock.now()
            wallet_id = int(row.wallet_id)
            if succeeded:
                balance, number = _moved(_ledger.credit(wallet_id, int(row.amount)))
                before = balance - int(row.amount)
            else:
                balance, number = _moved(_ledger.bump(wallet_id))
                before = balance
            posting = ({"debit_account": PLATFORM_ACCOUNTS[str(row.kind)],
                        "credit_account": wallet_account(wallet_id)} if succeeded else {})
            changed = (
                WalletTransaction.update(
                    status=wanted, number=number, balance_before=before, balance_after=balance,
                    failure_reason=reason[:50], completed_at=now, **posting,
                )
                .where((WalletTransaction.id == row.id) & (WalletTransaction.status == STATUS_PENDING))
                .execute()
            )
            if changed != 1:  # settled by someone else meanwhile: undo and look again
                raise ConflictError(_("This transaction was settled at the same moment elsewhere."),
                                    hint=_("Try again."), code="transaction_busy")
            row = WalletTransaction.get_by_id(row.id)
            # The row records how it was created; its settling is an event of its own.
            audit.record(
                "wallet.settle", at=now, actor_id=who[0], actor=who[1],
                organisation_id=int(Wallet.get_by_id(wallet_id).organisation_id),
                target=f"wallet:{wallet_id}#{number}", outcome="success" if succeeded else "failed",
                source=self.platform.source,
                detail={"transaction": row.id, "amount_cents": row.amount, "kind": row.kind,
                        "status": row.status, "reason": row.failure_reason},
            )
        self._posted(row)
        return row

    def correct(self, organisation_id: int, amount_cents: int, *, description: str,
                idempotency_key: str, actor: ActorRef | None = None, reference: str = "",
                debit: bool = False) -> WalletTransaction:
        """An operator's correction (``immo-connect wallet correct``): adds money, or takes it
        with ``debit=True`` (recorded as failed when the balance is too low)."""
        if not debit:
            return self.credit(organisation_id, amount_cents, kind=KIND_CORRECTION,
                               description=description, idempotency_key=idempotency_key,
                               actor=actor, reference=reference)
        organisation_id = check.organisation_id(organisation_id)
        amount = check.amount(amount_cents)
        text = check.description(description)
        key = check.idempotency_key(idempotency_key)
        ref = check.reference(reference)
        who = self._actor_name(actor)
        digest = _digest("correct_debit", organisation_id, amount, text, ref)

        def work() -> list[WalletTransaction]:
            wallet_id = self._wallet_id(organisation_id)
            return [self._debit(wallet_id, amount, kind=KIND_CORRECTION, tool="",
                                description=text, key=key, digest=digest, actor_id=who[0],
                                actor_name=who[1], counter_account=PLATFORM_ACCOUNTS[KIND_CORRECTION],
                                action="wallet.correction", reference=ref)]

        return self._execute(key, digest, work)[0]

    def transfer(self, actor: ActorRef, from_organisation_id: int, to_organisation_id: int,
                 amount_cents: int, *, description: str, idempotency_key: str) -> WalletTransaction:
        """Move money between two wallets; ``actor`` needs the ``manage`` wallet right in both.

        Returns the outgoing transaction (its ``counterpart_transaction_id`` is unset; the
        incoming row of the other wallet points back at it). Too low a balance gives a failed
        outgoing transaction and no incoming one.
        """
        source = check.organisation_id(from_organisation_id, field="from_organisation_id")
        target = check.organisation_id(to_organisation_id, field="to_organisation_id")
        amount = check.amount(amount_cents)
        text = check.description(description)
        key = check.idempotency_key(idempotency_key)
        if source == target:
            raise ValidationError(
                _("A transfer needs two different wallets."),
                hint=_("Choose another organisation to receive the money."),
                field="to_organisation_id", code="transfer_same_wallet",
            )
        member = member_of(self.platform, actor, source, right=RIGHT_MANAGE, action="wallet.transfer")
        member_of(self.platform, actor, target, right=RIGHT_MANAGE, action="wallet.transfer")
        digest = _digest("transfer", source, target, amount, text)
        who = (member.id, member.username)

        def work() -> list[WalletTransaction]:
            from_id, to_id = self._wallet_id(source), self._wallet_id(target)
            if to_id < from_id:
                _ledger.touch(to_id)  # lock wallets in id order: no deadlock on PostgreSQL
            out = self._debit(from_id, amount, kind=KIND_TRANSFER, tool="", description=text,
                              key=key, digest=digest, actor_id=who[0], actor_name=who[1],
                              counter_account=wallet_account(to_id), action="wallet.transfer",
                              counterpart_wallet_id=to_id)
            if out.status != STATUS_SUCCEEDED:
                return [out]
            now = out.created_at
            balance, number = _moved(_ledger.credit(to_id, amount))
            values = self._values(to_id, kind=KIND_TRANSFER, tool="", description=text, amount=amount,
                                  actor=who, key=None, digest="", reference="", now=now,
                                  action="wallet.transfer_in")
            # No posting here: the outgoing row's posting already moved the money wallet to wallet.
            values.update(number=number, balance_before=balance - amount, balance_after=balance,
                          counterpart_wallet_id=from_id, counterpart_transaction_id=out.id)
            return [out, self._insert(values)]

        return self._execute(key, digest, work)[0]

    # -- the engine -------------------------------------------------------------------------

    def _actor_name(self, actor: ActorRef | None) -> tuple[int | None, str]:
        if actor is None:
            return None, "system"
        account: Account | None = Account.get_or_none(Account.id == actor_id(actor))
        if account is None:
            raise NotFoundError(_("The acting account does not exist."), code="account_not_found")
        return int(account.id), str(account.username)

    def _values(self, wallet_id: int, *, kind: str, tool: str, description: str, amount: int,
                actor: tuple[int | None, str], key: str | None, digest: str, reference: str,
                now: Any, action: str) -> dict[str, Any]:
        return {
            "wallet_id": wallet_id, "number": None, "kind": kind, "tool": tool,
            "type_key": type_key(kind, tool), "description": description, "amount": amount,
            "status": STATUS_SUCCEEDED, "failure_reason": "", "balance_before": None,
            "balance_after": None, "actor_id": actor[0], "actor_name": actor[1][:200],
            "counterpart_wallet_id": None, "counterpart_transaction_id": None,
            "reference": reference, "idempotency_key": key, "request_hash": digest,
            "created_at": now, "completed_at": now, "debit_account": None, "credit_account": None,
            "action": action, "source": self.platform.source[:100], "public_description": "",
            "usage_mode": None,
        }

    def _insert(self, values: dict[str, Any]) -> WalletTransaction:
        return self._row_as_stored(dict(values, id=_ledger.insert_transaction(values)))

    def _debit(self, wallet_id: int, amount: int, *, kind: str, tool: str,
               description: str, key: str, digest: str, actor_id: int | None, actor_name: str,
               counter_account: str, action: str, reference: str = "",
               counterpart_wallet_id: int | None = None, public_description: str = "",
               usage_mode: str | None = None) -> WalletTransaction:
        """The conditional debit and its transaction row (which is also its posting and audit record)."""
        now = self.platform.clock.now()
        values = self._values(wallet_id, kind=kind, tool=tool, description=description, amount=-amount,
                              actor=(actor_id, actor_name), key=key, digest=digest,
                              reference=reference, now=now, action=action)
        values["counterpart_wallet_id"] = counterpart_wallet_id
        values["public_description"] = public_description
        values["usage_mode"] = usage_mode
        moved = _ledger.debit(wallet_id, amount)
        if moved is None:
            balance, number = _moved(_ledger.bump(wallet_id))
            values.update(number=number, balance_before=balance, balance_after=balance,
                          status=STATUS_FAILED, failure_reason=INSUFFICIENT_FUNDS)
            return self._insert(values)
        balance, number = moved
        values.update(number=number, balance_before=balance + amount, balance_after=balance,
                      debit_account=wallet_account(wallet_id), credit_account=counter_account)
        return self._insert(values)

    def _posted(self, row: WalletTransaction) -> None:
        """Tell the plugins once the movement is committed (at once, or when the caller's
        own transaction commits if the movement ran inside it)."""
        on_commit(lambda: self.platform.plugins.transaction_posted(row))

    def _replay(self, key: str, digest: str) -> WalletTransaction | None:
        row: WalletTransaction | None = WalletTransaction.get_or_none(WalletTransaction.idempotency_key == key)
        if row is None:
            return None
        if row.request_hash != digest:
            raise ConflictError(
                _("This idempotency key was already used for a different request."),
                hint=_("Use a new key for a new request; reuse a key only to retry the very same request."),
                field="idempotency_key", code="idempotency_key_reused",
            )
        return row

    def _execute(self, key: str, digest: str,
                 work: Callable[[], list[WalletTransaction]]) -> list[WalletTransaction]:
        """Run one movement in one transaction; replays and lost races are resolved here."""
        # Optimistic: the movement runs at once and the unique index on the key refuses a
        # replay (or a concurrent twin) at the INSERT, which rolls everything back; then the
        # stored transaction is returned. Saves a lookup on every first attempt.
        for _attempt in range(_ATTEMPTS):
            try:
                with transaction():
                    rows = work()
            except peewee.IntegrityError:
                replayed = self._replay(key, digest)
                if replayed is not None:
                    return [replayed]
                self._wallet_ids.clear()  # a wallet created concurrently: read it again
                continue
            except _Retry:
                self._wallet_ids.clear()
                continue
            except peewee.OperationalError as error:
                if "deadlock" not in str(error).lower():
                    raise
                log.warning("wallet movement retried after a deadlock")
                continue
            for row in rows:
                self._posted(row)
            return rows
        raise ConflictError(
            _("The wallet is very busy; the request was not recorded."),
            hint=_("Try again in a moment with the same idempotency key."), code="wallet_busy",
        )


__all__ = ["INSUFFICIENT_FUNDS", "WalletService"]
