"""Transfers that leave again: returned or recalled after they were credited.

A transfer already credited to a wallet can come back out of the platform's account: the
bank returns it (CODA record 2.2 R-transaction type 2 return, 3 refund, 1 reject; camt.053
bank transaction code ``PMNT/RCDT/RRTN`` or a ``RtrInf``) or the payer's bank recalls it
(CODA 4 reversal, 5 cancellation; camt ``PMNT/RCDT/RPCR`` or ``RvslInd``). Such a debit is
matched to the entry it takes back — same account, same amount, same structured
communication (else the same payer's IBAN) — and the wallet is debited through
``platform.wallet.take_back`` (linked to the original credit, even below zero, the managers
told). Its idempotency key comes from the entry key, so a replay changes nothing. A return
of an entry still in the suspense list closes that entry (no money had been credited).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import peewee

from immo_connect import audit, i18n
from immo_connect.bank._entries import StatementEntry
from immo_connect.bank.models import BankEntry
from immo_connect.errors import ValidationError
from immo_connect.i18n import _
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.bank.models import StatementImport
    from immo_connect.bank.service import ImportLine
    from immo_connect.platform import Platform

# What a return entry says → the wallet's reason for taking the money back.
TAKE_BACK_REASONS: dict[str, str] = {
    "return": "transfer_returned", "refund": "transfer_returned", "reject": "transfer_returned",
    "reversal": "transfer_recalled", "cancellation": "transfer_recalled", "recall": "transfer_recalled",
}


def is_return(entry: StatementEntry) -> bool:
    """A booked debit that takes an earlier incoming transfer back."""
    return (not entry.credit and entry.booked and entry.returned in TAKE_BACK_REASONS
            and bool(entry.amount_cents))


def take_back_key(entry_key: str) -> str:
    """The wallet idempotency key of the take-back for a return entry."""
    return "bank-return:" + hashlib.sha256(entry_key.encode("utf-8")).hexdigest()[:40]


def find_original(entry: StatementEntry) -> BankEntry | None:
    """The credit entry this return takes back, not yet taken back; None when none matches surely."""
    if not entry.communication and not entry.counterparty_iban:
        return None  # nothing that identifies the payer: an operator must look
    query = BankEntry.select().where(
        (BankEntry.account == entry.account) & (BankEntry.amount_cents == entry.amount_cents)
        & (BankEntry.status.in_(["credited", "assigned", "suspense"]))
    )
    if entry.communication:
        query = query.where(BankEntry.communication == entry.communication)
    if entry.counterparty_iban:
        query = query.where((BankEntry.counterparty_iban == entry.counterparty_iban)
                            | (BankEntry.counterparty_iban == ""))
    taken = BankEntry.select(BankEntry.returns_entry_id).where(BankEntry.returns_entry_id.is_null(False))
    query = query.where(BankEntry.id.not_in(taken))
    if entry.booking_date is not None:
        query = query.where((BankEntry.booking_date.is_null()) | (BankEntry.booking_date <= entry.booking_date))
    found: BankEntry | None = query.order_by(BankEntry.booking_date.desc(), BankEntry.id.desc()).first()
    return found


def import_return(platform: Platform, entry: StatementEntry, import_row: StatementImport, operator: str,
                  shown: str) -> ImportLine:
    """Take a returned or recalled transfer back from the wallet it was credited to, once."""
    from immo_connect.bank.service import ImportLine

    assert entry.amount_cents is not None
    reason = TAKE_BACK_REASONS[entry.returned]
    original = find_original(entry)
    if original is None:
        return ImportLine("ignored", entry.position, entry.reference, entry.amount_cents, shown, credit=False,
                          reason=_("a returned transfer whose credit was not found: check it with the bank"))
    taken = None
    organisation_id, credit_id = original.organisation_id, original.transaction_id
    if original.status != "suspense" and organisation_id is not None and credit_id is not None:
        words = i18n.catalog(platform.settings.language)
        text = (words.gettext("Transfer returned by the bank (ref. {reference}, reason {code})")
                if reason == "transfer_returned" else
                words.gettext("Transfer recalled by the payer's bank (ref. {reference}, reason {code})"))
        try:
            taken = platform.wallet.take_back(
                int(organisation_id), entry.amount_cents, original_transaction_id=int(credit_id), reason=reason,
                description=text.format(reference=str(original.reference)[:100], code=entry.return_reason or "—"),
                idempotency_key=take_back_key(entry.key), reference=entry.reference[:200],
            )
        except ValidationError as error:
            return ImportLine("ignored", entry.position, entry.reference, entry.amount_cents, shown, credit=False,
                              reason=error.message)
    now = platform.clock.now()
    try:
        with transaction():
            row: BankEntry = BankEntry.create(
                entry_key=entry.key, statement_import=import_row.id, format=entry.format,
                position=entry.position[:40], account=entry.account[:40], reference=entry.reference[:100],
                booking_date=entry.booking_date, amount_cents=entry.amount_cents, currency=entry.currency[:3],
                communication=entry.communication, communication_text=entry.communication_text[:300],
                counterparty_name=entry.counterparty_name[:100], counterparty_iban=entry.counterparty_iban[:40],
                raw_text=entry.raw, status="returned", problem=reason[:30],
                organisation_id=original.organisation_id, transaction_id=taken.id if taken else None,
                returns_entry_id=original.id, created_at=now, resolved_at=now, resolved_by="automatic",
            )
            if original.status == "suspense":  # never credited: the money left, nothing to assign any more
                (BankEntry.update(status="returned", resolved_at=now, resolved_by="automatic")
                 .where((BankEntry.id == original.id) & (BankEntry.status == "suspense")).execute())
            audit.record("bank.returned", actor=operator, organisation_id=original.organisation_id,
                         target=f"bank_entry:{row.id}", source=platform.source,
                         detail={"amount_cents": entry.amount_cents, "reference": entry.reference,
                                 "original": int(original.id), "reason": reason, "code": entry.return_reason,
                                 "transaction": taken.id if taken else None})
    except peewee.IntegrityError:
        existing = BankEntry.get(BankEntry.entry_key == entry.key)
        return ImportLine("duplicate", entry.position, entry.reference, entry.amount_cents, shown, credit=False,
                          reason=_("already imported (entry {id}, {status})").format(
                              id=existing.id, status=_("returned")), entry_id=int(existing.id))
    return ImportLine("returned", entry.position, entry.reference, entry.amount_cents, shown, credit=False,
                      reason=_("takes back entry {id}").format(id=original.id), entry_id=int(row.id))
