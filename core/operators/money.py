"""The finance desk (role finance or admin): suspense list, corrections and refunds, imports.

A correction or refund up to ``[operators] second_approval_above_euros`` is booked at once;
above it, the request waits until a *different* finance operator approves it (four eyes).
The request row is claimed with one conditional ``UPDATE`` (pending → approved), so two
approvals at once book once; the booking's wallet key is derived from the request
(``operators:money:<id>``), so a replay or a resumed approval never books twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.bank.models import AccountStatementRow, BankEntry, StatementImport
from immo_connect.errors import ConflictError, ImmoConnectError, NotFoundError, ValidationError
from immo_connect.i18n import N_, _
from immo_connect.operators.access import ActorRef, Operator, OperatorAccess, clean_reason
from immo_connect.operators.models import REFUND_KINDS, REQUEST_KINDS, MoneyRequest
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.storage import transaction
from immo_connect.wallet import _validate as check

if TYPE_CHECKING:
    from immo_connect.bank import reconcile
    from immo_connect.bank.service import ImportReport
    from immo_connect.platform import Platform


@dataclasses.dataclass(frozen=True)
class PendingRow:
    id: int
    organisation: str
    kind: str
    amount_cents: int
    requested_by: str
    requested_at: dt.datetime
    reason: str


@dataclasses.dataclass(frozen=True)
class DecidedRow:
    """A request a second finance operator approved or rejected, with their reason."""

    id: int
    organisation: str
    kind: str
    amount_cents: int
    requested_by: str
    decided_by: str
    decided_at: dt.datetime
    status: str
    decision_reason: str


@dataclasses.dataclass(frozen=True)
class MoneyOverview:
    """What the money desk shows at once: the suspense list, the requests waiting, the
    latest imports, and the last statement of each bank account with the missing ones."""

    suspense: list[BankEntry]
    pending: list[PendingRow]
    imports: list[StatementImport]
    statements: list[AccountStatementRow]
    gaps: list[str]
    decided: list[DecidedRow] = dataclasses.field(default_factory=list)


def organisation_from(text: str) -> int:
    """An organisation's id from its enterprise number (``0123.456.789``) or its id."""
    from immo_connect.formats import enterprise

    value = (text or "").strip()
    if value.isdigit() and len(value) < 9:
        found = Organisation.get_or_none(Organisation.id == int(value))
    else:
        found = Organisation.get_or_none(
            Organisation.enterprise_number == enterprise.validate(value, field="organisation"))
    if found is None:
        raise NotFoundError(_("There is no organisation {text}.").format(text=value),
                            hint=_("Give its enterprise number (0123.456.789) or its id."),
                            code="organisation_not_found", field="organisation")
    return int(found.id)


def _top_up_missing() -> ValidationError:
    return ValidationError(_("A refund names the top-up it gives back."), hint=_("Give the top-up's transaction id."),
                           code="top_up_missing", field="original_transaction_id")


def _already_decided(row: MoneyRequest, hint: str) -> ConflictError:
    return ConflictError(_("Request {id} was already decided ({status}).").format(id=row.id, status=row.status),
                         hint=hint, code="request_decided")


class MoneyDesk(OperatorAccess):
    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)

    @property
    def approval_above_cents(self) -> int:
        return int(self.platform.settings.operators.second_approval_above_euros) * 100

    # -- bank ------------------------------------------------------------------------------------

    def suspense(self, actor: ActorRef) -> list[BankEntry]:
        self.operator(actor, "money", "operator.suspense_list")
        return self.platform.bank.suspense()

    def assign(self, actor: ActorRef, entry_id: int, organisation_id: int, reason: str,
               *, amount_cents: int | None = None) -> BankEntry:
        """Credit a suspense entry to an organisation's wallet (``bank assign``)."""
        operator, text = self.operator_with_reason(actor, "money", "operator.bank_assigned", reason,
                                                   organisation_id=int(organisation_id))
        # One change: the credit, the entry leaving the suspense list and the operator's reason
        # commit together (the wallet's and the bank's own steps become savepoints).
        with transaction():
            entry = self.platform.bank.assign(int(entry_id), int(organisation_id), operator=operator.username,
                                              amount_cents=amount_cents)
            if entry.resolved_by != operator.username[:100] or entry.organisation_id != int(organisation_id):
                raise ConflictError(  # another operator's assignment committed first
                    _("Bank entry {id} was assigned meanwhile by {name}.").format(id=entry.id, name=entry.resolved_by),
                    hint=_("Nothing to do; list the suspense entries with: immo-connect bank suspense"),
                    code="bank_entry_resolved")
            self.record(operator, "operator.bank_assigned", target=f"bank_entry:{entry.id}", reason=text,
                        organisation_id=int(organisation_id),
                        changed={"status": ["suspense", str(entry.status)], "amount_cents": entry.amount_cents,
                                 "transaction": entry.transaction_id})
        return entry

    def import_file(self, actor: ActorRef, path: str | Path, reason: str, *,
                    progress: Callable[[int, int], None] | None = None) -> ImportReport:
        """Import a bank statement file as a finance operator (``bank import --as``): the import
        and its entries are recorded under the operator's username, and the operator's reason
        with the counts in ``operator.bank_imported``."""
        operator, text = self.operator_with_reason(actor, "money", "operator.bank_imported", reason)
        return self._imported(operator, text,
                              self.platform.bank.import_file(path, operator=operator.username, progress=progress))

    def import_from_folder(self, actor: ActorRef, name: str, reason: str, *,
                           progress: Callable[[int, int], None] | None = None) -> ImportReport:
        """Import the statement file ``name`` of the configured import folder (the screens'
        « Import »): never a file elsewhere on the server, nor through a link; refused while
        ``[operators] import_folder`` is unset."""
        from immo_connect.operators import import_folder

        operator, text = self.operator_with_reason(actor, "money", "operator.bank_imported", reason)
        folder = self.platform.settings.operators.import_folder
        if folder is None:
            raise import_folder.folder_off()
        try:
            data, filename = import_folder.read_in_folder(folder, name)
        except ValidationError as refused:
            if refused.code in import_folder.ATTEMPTS_OUTSIDE:  # kept: someone tried to read elsewhere
                with transaction():
                    audit.record("operator.bank_imported", actor_id=operator.id, actor=operator.username,
                                 target=str(name)[:200], outcome="refused", source=self.platform.source,
                                 at=self.platform.clock.now(), detail={"refusal": refused.code, "reason": text})
            raise
        return self._imported(operator, text, self.platform.bank.import_statement(
            data, filename=filename, operator=operator.username, progress=progress))

    def _imported(self, operator: Operator, text: str, report: ImportReport) -> ImportReport:
        with transaction():
            self.record(operator, "operator.bank_imported", target=report.filename[:200], reason=text,
                        changed={"format": report.format, **{o: report.count(o) for o in
                                 ("credited", "suspense", "returned", "duplicate", "ignored")}})
        return report

    def imports(self, actor: ActorRef, *, limit: int = 100) -> list[StatementImport]:
        """The latest statement imports, newest first, with their counts."""
        self.operator(actor, "money", "operator.bank_imports")
        return list(StatementImport.select().order_by(StatementImport.id.desc()).limit(max(1, min(limit, 1000))))

    def import_entries(self, actor: ActorRef, import_id: int) -> list[BankEntry]:
        """The credits one import read, in statement order (its report)."""
        self.operator(actor, "money", "operator.bank_imports")
        return list(BankEntry.select().where(BankEntry.statement_import == int(import_id)).order_by(BankEntry.id))

    def reconciliation(self, actor: ActorRef) -> tuple[list[AccountStatementRow], list[reconcile.Gap]]:
        """The last statement of each bank account and the statements missing."""
        self.operator(actor, "money", "operator.bank_status")
        return self.platform.bank.status()

    def overview(self, actor: ActorRef) -> MoneyOverview:
        self.operator(actor, "money", "operator.money_overview")
        statements, gaps = self.platform.bank.status()
        pending = [
            PendingRow(int(r.id), str(r.organisation.name), str(r.kind), int(r.amount_cents),
                       str(r.requested_by.username), r.requested_at, str(r.reason))
            for r in MoneyRequest.select(MoneyRequest, Organisation, Account)
            .join(Organisation).switch(MoneyRequest).join(Account, on=MoneyRequest.requested_by == Account.id)
            .where(MoneyRequest.status == "pending").order_by(MoneyRequest.id)
        ]
        return MoneyOverview(self.platform.bank.suspense(), pending,
                             list(StatementImport.select().order_by(StatementImport.id.desc()).limit(20)),
                             statements, [gap.describe() for gap in gaps], self._decided())

    @staticmethod
    def _decided(limit: int = 20) -> list[DecidedRow]:
        """The latest decisions of a second finance operator, newest first."""
        asker, decider = Account.alias(), Account.alias()
        query = (MoneyRequest.select(MoneyRequest.id, Organisation.name.alias("organisation_name"), MoneyRequest.kind,
                                     MoneyRequest.amount_cents, asker.username.alias("asker"),
                                     decider.username.alias("decider"), MoneyRequest.decided_at,
                                     MoneyRequest.status, MoneyRequest.decision_reason)
                 .join(Organisation).switch(MoneyRequest)
                 .join(asker, on=MoneyRequest.requested_by == asker.id).switch(MoneyRequest)
                 .join(decider, on=MoneyRequest.decided_by == decider.id)
                 .where(MoneyRequest.decided_at.is_null(False))
                 .order_by(MoneyRequest.decided_at.desc(), MoneyRequest.id.desc()).limit(limit))
        return [DecidedRow(int(r["id"]), str(r["organisation_name"]), str(r["kind"]), int(r["amount_cents"]),
                           str(r["asker"]), str(r["decider"]), r["decided_at"], str(r["status"]),
                           str(r["decision_reason"]))
                for r in cast("list[dict[str, Any]]", list(query.dicts()))]

    def request_typed(self, actor: ActorRef, organisation: str, kind: str, amount: str, reason: str,
                      top_up: str = "") -> MoneyRequest:
        """:meth:`request` from what was typed in a form (enterprise number or id, euros)."""
        from immo_connect.wallet.forms import parse_euros

        top_up_id = None
        if kind.strip().lower() in REFUND_KINDS:
            if not top_up.strip().isdigit():
                raise _top_up_missing()
            top_up_id = int(top_up.strip())
        return self.request(actor, organisation_from(organisation), kind.strip().lower(), parse_euros(amount),
                            reason, original_transaction_id=top_up_id)

    def refund_payment(self, actor: ActorRef, payment_id: int, amount_cents: int, reason: str, *,
                       client_key: str | None = None) -> MoneyRequest:
        """A card refund of the online top-up ``payment_id`` (``payments refund``): a money
        request like any other, booked through the provider once approved."""
        from immo_connect.payments.models import Payment

        payment: Payment | None = Payment.get_or_none(Payment.id == int(payment_id))
        if payment is None or payment.transaction_id is None:
            raise ValidationError(_("Only a credited online top-up can be refunded by card."),
                                  hint=_("See the online top-ups with: immo-connect payments list"),
                                  code="refund_not_possible", field="payment")
        return self.request(actor, int(payment.organisation_id), "card_refund", amount_cents, reason,
                            original_transaction_id=int(payment.transaction_id), client_key=client_key)

    def assign_typed(self, actor: ActorRef, entry_id: int, organisation: str, reason: str,
                     amount_cents: int | None = None) -> BankEntry:
        """:meth:`assign` to the organisation given by its enterprise number or its id."""
        return self.assign(actor, entry_id, organisation_from(organisation), reason, amount_cents=amount_cents)

    # -- corrections and refunds -------------------------------------------------------------------

    def request(self, actor: ActorRef, organisation_id: int, kind: str, amount_cents: int, reason: str, *,
                reference: str = "", original_transaction_id: int | None = None,
                client_key: str | None = None) -> MoneyRequest:
        """Ask for a correction (``credit`` or ``debit``) or a ``refund`` of a top-up.

        Booked at once up to the limit; above it the request waits for a second finance
        operator. With ``client_key`` (a script's own idempotency key) a replay returns the
        first request and books nothing more.
        """
        if kind not in REQUEST_KINDS:
            raise ValidationError(_("Unknown kind {kind!r}.").format(kind=kind),
                                  hint=_("Use credit, debit, refund or card_refund."), code="kind_invalid",
                                  field="kind")
        text = check.description(clean_reason(reason), field="reason")
        amount = check.amount(amount_cents)
        ref = check.reference(reference)
        if kind in REFUND_KINDS and not original_transaction_id:
            raise _top_up_missing()
        operator = self.operator(actor, "money", "operator.money_requested", organisation_id=int(organisation_id))
        if not Organisation.select().where(Organisation.id == int(organisation_id)).exists():
            raise NotFoundError(_("There is no organisation (and so no wallet) with id {id}.").format(
                id=organisation_id), hint=_("Check the organisation's id."), code="wallet_not_found")
        original = int(original_transaction_id) if kind in REFUND_KINDS and original_transaction_id else None
        values = {"organisation": int(organisation_id), "kind": kind, "amount_cents": amount, "reason": text,
                  "reference": ref, "original_transaction_id": original}
        if client_key:
            check.idempotency_key(client_key, field="key")
            existing: MoneyRequest | None = MoneyRequest.get_or_none(MoneyRequest.client_key == client_key)
            if existing is not None:
                return self._replayed(existing, values)
        if original is not None:
            kind = values["kind"] = self._refund_kind(kind, int(organisation_id), original, amount)
        waits = amount > self.approval_above_cents
        now = self.platform.clock.now()
        with transaction():
            row: MoneyRequest = MoneyRequest.create(
                **values, status="pending" if waits else "approved", requested_by=operator.id, requested_at=now,
                client_key=client_key or None)
            self.record(operator, "operator.money_requested", target=f"money_request:{row.id}", reason=text,
                        organisation_id=int(organisation_id),
                        changed={"kind": kind, "amount_cents": amount, "status": str(row.status),
                                 "limit_cents": self.approval_above_cents})
        if waits:
            return row
        return self._book(row, operator)

    def _refund_kind(self, kind: str, organisation_id: int, top_up_id: int, amount: int) -> str:
        """A top-up paid online with a method that refunds is given back through the provider
        (``card_refund``), never from the wallet alone; the refund is checked now and again
        when it is booked."""
        payments = self.platform.payments
        if kind == "refund" and not payments.refunds_by_card(top_up_id):
            return kind
        payment = payments.card_refundable(top_up_id, amount)
        if int(payment.organisation_id) != organisation_id:
            raise ValidationError(_("This top-up belongs to another organisation."),
                                  hint=_("Check the top-up's transaction id."), code="top_up_elsewhere",
                                  field="original_transaction_id")
        return "card_refund"

    def _replayed(self, existing: MoneyRequest, values: dict[str, object]) -> MoneyRequest:
        stored = {"organisation": int(existing.organisation_key), "kind": str(existing.kind),
                  "amount_cents": int(existing.amount_cents), "reason": str(existing.reason),
                  "reference": str(existing.reference), "original_transaction_id": existing.original_transaction_id}
        if stored["kind"] in REFUND_KINDS and values["kind"] in REFUND_KINDS:
            stored["kind"] = values["kind"]  # a refund asked again is the card refund it became
        if stored != values:
            raise ConflictError(_("This key was already used for another request."),
                                hint=_("Use a new key for a new request."), code="key_reused", field="key")
        return existing

    def pending(self, actor: ActorRef) -> list[MoneyRequest]:
        self.operator(actor, "money", "operator.money_pending")
        # Who asked is read with the rows (every list shows it), not once per row.
        return list(MoneyRequest.select(MoneyRequest, Account).join(Account, on=MoneyRequest.requested_by)
                    .where(MoneyRequest.status == "pending").order_by(MoneyRequest.id))

    def get(self, request_id: int) -> MoneyRequest:
        row: MoneyRequest | None = MoneyRequest.get_or_none(MoneyRequest.id == int(request_id))
        if row is None:
            raise NotFoundError(_("There is no request {id}.").format(id=request_id),
                                hint=_("List the requests waiting with: immo-connect operators pending"),
                                code="request_not_found")
        return row

    def _second(self, actor: ActorRef, row: MoneyRequest, action: str) -> Operator:
        operator = self.operator(actor, "money", action, organisation_id=int(row.organisation_key))
        if int(row.requested_by_key) == operator.id:
            raise self._refuse(
                action, operator.id, operator.username,
                _("You asked for this request: a different finance operator decides on it."),
                _("Ask another finance operator to approve it."), "four_eyes_same_operator",
                {"request": int(row.id)}, int(row.organisation_key), f"money_request:{row.id}")
        return operator

    def approve(self, actor: ActorRef, request_id: int, reason: str) -> MoneyRequest:
        """The second finance operator's approval, with their reason: books the request, once."""
        text = clean_reason(reason)
        row = self.get(request_id)
        operator = self._second(actor, row, "operator.money_approved")
        now = self.platform.clock.now()
        with transaction():
            claimed = MoneyRequest.update(status="approved", decided_by=operator.id, decided_at=now,
                                          decision_reason=text).where(
                (MoneyRequest.id == row.id) & (MoneyRequest.status == "pending")).execute()
            if claimed:
                self.record(operator, "operator.money_approved", target=f"money_request:{row.id}",
                            reason=text, organisation_id=int(row.organisation_key),
                            changed={"status": ["pending", "approved"], "request_reason": str(row.reason)})
        row = self.get(request_id)
        if not claimed:
            if row.status == "approved" and row.transaction_id is None and (row.decided_by_key or 0) == operator.id:
                return self._book(row, operator)  # the booking of this approval was interrupted: finish it
            raise _already_decided(row, _("Nothing to do; list the requests waiting with: immo-connect operators pending"))
        return self._book(row, operator)

    def reject(self, actor: ActorRef, request_id: int, reason: str) -> MoneyRequest:
        text = clean_reason(reason)
        row = self.get(request_id)
        operator = self.operator(actor, "money", "operator.money_rejected", organisation_id=int(row.organisation_key))
        now = self.platform.clock.now()
        with transaction():
            claimed = MoneyRequest.update(status="rejected", decided_by=operator.id, decided_at=now,
                                          decision_reason=text).where(
                (MoneyRequest.id == row.id) & (MoneyRequest.status == "pending")).execute()
            if not claimed:
                raise _already_decided(row, _("Nothing to do."))
            self.record(operator, "operator.money_rejected", target=f"money_request:{row.id}", reason=text,
                        organisation_id=int(row.organisation_key),
                        changed={"status": ["pending", "rejected"], "request_reason": str(row.reason)})
        return self.get(request_id)

    def _book(self, row: MoneyRequest, operator: Operator) -> MoneyRequest:
        wallet = self.platform.wallet
        key = f"operators:money:{row.id}"
        organisation_id, amount = int(row.organisation_key), int(row.amount_cents)
        if row.kind == "card_refund":
            return self._book_card_refund(row, operator)
        if row.kind == "refund":
            booked = wallet.take_back(organisation_id, amount, original_transaction_id=int(row.original_transaction_id or 0),
                                      reason="refund", description=str(row.reason), idempotency_key=key,
                                      actor=operator.id, reference=str(row.reference), allow_negative=False)
        else:
            booked = wallet.correct(organisation_id, amount, description=str(row.reason), idempotency_key=key,
                                    actor=operator.id, reference=str(row.reference), debit=row.kind == "debit")
        status = "booked" if booked.status == "succeeded" else "failed"
        with transaction():
            done = MoneyRequest.update(status=status, transaction_id=booked.id).where(
                (MoneyRequest.id == row.id) & (MoneyRequest.status == "approved")).execute()
            if done:
                event = self.record(operator, "operator.money_booked", target=f"money_request:{row.id}",
                                    reason=str(row.reason), organisation_id=organisation_id,
                                    changed={"status": ["approved", status], "transaction": int(booked.id),
                                             "amount_cents": int(booked.amount)})
                if status == "booked" and row.kind != "refund":  # a take-back mails the managers itself
                    self._tell_managers(organisation_id, row, event)
        return self.get(int(row.id))

    def _tell_managers(self, organisation_id: int, row: MoneyRequest, event: audit.AuditEvent) -> None:
        """The managers of a corrected wallet are told what finance did, and why."""
        from immo_connect import formatting

        organisation = Organisation.get_by_id(organisation_id)
        moved = -int(row.amount_cents) if row.kind == "debit" else int(row.amount_cents)
        what = f"{organisation.name}: {formatting.money(moved, sign=True)}. {row.reason}"
        for manager in Account.select().join(Membership, on=Membership.account == Account.id).where(
                (Membership.organisation == organisation_id) & (Membership.status == "active")
                & Membership.is_manager & (Account.status == "active")):
            self.tell_owner(manager, N_("the wallet of an organisation you manage was corrected"), what, event)

    def _book_card_refund(self, row: MoneyRequest, operator: Operator) -> MoneyRequest:
        """The provider refunds the card; the wallet gives the money up first (the managers are
        mailed by the wallet). Refused (provider, balance), the request ends ``failed`` and the
        reason is raised."""
        from immo_connect.payments.models import PaymentReversal

        error: ImmoConnectError | None = None
        try:
            self.platform.payments.refund_approved(int(row.id))
        except ImmoConnectError as caught:
            error = caught
        reversal: PaymentReversal | None = PaymentReversal.get_or_none(
            PaymentReversal.request_key == f"operators:money:{row.id}")
        taken_id = reversal.transaction_id if reversal is not None and reversal.status != "error" else None
        taken = taken_id is not None
        status = "booked" if taken else "failed"
        changed: dict[str, object] = {"status": ["approved", status], "amount_cents": int(row.amount_cents)}
        if reversal is not None:
            changed.update(reversal=int(reversal.id), refund_status=str(reversal.status))
        if taken_id is not None:
            changed["transaction"] = int(taken_id)
        if error is not None:
            changed["error"] = error.code
        with transaction():
            done = MoneyRequest.update(status=status, transaction_id=changed.get("transaction")).where(
                (MoneyRequest.id == row.id) & (MoneyRequest.status == "approved")).execute()
            if done:
                self.record(operator, "operator.money_booked", target=f"money_request:{row.id}",
                            reason=str(row.reason), organisation_id=int(row.organisation_key), changed=changed)
        if error is not None and not taken:
            raise error
        return self.get(int(row.id))
