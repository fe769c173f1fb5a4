"""Importing bank statements: ``platform.bank``.

For each credit of a statement, in its own database transaction:

* already imported (same entry key) → reported as a duplicate, nothing changes;
* a valid structured communication that belongs to a wallet → the wallet is credited with
  the idempotency key ``bank:<hash of the entry key>`` (so an entry is credited once,
  whichever file, process or retry brings it), the entry is recorded ``credited`` and the
  wallet's managers are mailed;
* anything else (no or a wrong communication, no such wallet, an unreadable line, another
  currency) → recorded in the **suspense list**, never dropped, until an operator assigns
  it to a wallet (:meth:`BankService.assign`), which credits it once the same way.

Debits and pending (not yet booked) entries are reported and ignored: they are not top-ups.

Before any of that, the whole file is checked (:mod:`immo_connect.bank.reconcile`): a
statement of an account that is not the platform's receiving account is skipped and named;
a statement that does not add up (balances, declared totals, details of its globalised
movements) or that contradicts one imported before refuses the file whole, nothing credited.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

import peewee

from immo_connect import audit, i18n
from immo_connect.accounts.models import Account
from immo_connect.bank import PROBLEMS, Statement, StatementEntry, read_statement, reconcile, returns
from immo_connect.bank._entries import AccountStatement, iban_of
from immo_connect.bank.models import AccountStatementRow, BankEntry, StatementImport
from immo_connect.errors import ConflictError, ImmoConnectError, NotFoundError, ValidationError
from immo_connect.formats import iban as iban_format
from immo_connect.formats import ogm
from immo_connect.i18n import N_, _
from immo_connect.organisations.models import Organisation
from immo_connect.payments._money import euros
from immo_connect.payments._notify import notify_managers
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform
    from immo_connect.wallet.models import WalletTransaction


def bank_credit_key(entry_key: str) -> str:
    """The wallet idempotency key of a bank entry (hashed: entry keys may be long)."""
    return "bank:" + hashlib.sha256(entry_key.encode("utf-8")).hexdigest()[:40]


@dataclasses.dataclass(frozen=True)
class ImportLine:
    """What happened to one entry: ``credited``, ``suspense``, ``returned``, ``duplicate`` or ``ignored``."""

    outcome: str
    position: str
    reference: str
    amount_cents: int | None
    communication: str
    organisation: str = ""
    reason: str = ""
    entry_id: int | None = None
    credit: bool = True


@dataclasses.dataclass
class _ImportCache:
    """What one import reads once: wallets by communication, recipients by organisation."""

    matches: dict[str, tuple[int | None, str]] = dataclasses.field(default_factory=dict)
    recipients: dict[int, tuple[str, list[Account]]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class ImportedStatement:
    """One account statement of the file that was imported (it reconciled)."""

    account: str
    label: str
    opening_cents: int
    closing_cents: int
    closing_date: str


@dataclasses.dataclass
class ImportReport:
    filename: str
    format: str
    lines: list[ImportLine] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    import_id: int | None = None
    statements: list[ImportedStatement] = dataclasses.field(default_factory=list)
    skipped: list[str] = dataclasses.field(default_factory=list)  # statements of other accounts
    gaps: list[str] = dataclasses.field(default_factory=list)  # missing statements, still

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    def total(self, outcome: str) -> int:
        """The money of the lines with this outcome, in cents (debits counted negative)."""
        return sum((line.amount_cents or 0) * (1 if line.credit else -1)
                   for line in self.lines if line.outcome == outcome)


class StatementRefused(ValidationError):
    """The file was refused whole: nothing was credited. ``problems`` says why, one line each."""

    def __init__(self, filename: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            _("{file} was refused and nothing was credited: {problems}").format(
                file=filename, problems="".join(f"\n  - {p}" for p in problems)) + "\n",
            hint=_("Ask the bank for the statement again (a damaged or edited file does not add up), "
                   "then import it."),
            code="statement_refused",
        )


class BankService:
    """One instance per platform (``platform.bank``). Operators' work: no account involved."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    # -- import ---------------------------------------------------------------------------------

    def import_file(self, path: str | Path, *, operator: str,
                    progress: Callable[[int, int], None] | None = None) -> ImportReport:
        file = Path(path)
        try:
            data = file.read_bytes()
        except OSError as error:
            raise ValidationError(
                _("Cannot read {path}: {reason}.").format(path=file, reason=error.strerror or error),
                hint=_("Check the path of the statement file."), field="file", code="statement_missing",
            ) from None
        return self.import_statement(data, filename=file.name, operator=operator, progress=progress)

    def receiving_accounts(self) -> list[str]:
        """The IBANs whose statements are imported: the account shown to payers for transfers."""
        section = self.platform.settings.platform
        try:
            method = self.platform.payments.bank_transfer_method()
        except ImmoConnectError:
            return [iban_format.compact(section.iban)]
        details = method.transfer_details(communication="", beneficiary=section.legal_name,
                                          iban=section.iban, bic=section.bic)
        return [iban_format.compact(details.iban)]

    def import_statement(self, data: bytes, *, filename: str, operator: str,
                         progress: Callable[[int, int], None] | None = None) -> ImportReport:
        """Import one statement file; a file-level problem raises and changes nothing.

        ``progress(done, total)`` is called as the entries are worked through.
        """
        statement = read_statement(data)
        report = ImportReport(filename=filename, format=statement.format, warnings=list(statement.warnings))
        digest = hashlib.sha256(data).hexdigest()
        accepted = self._accepted(statement, report, filename)
        refusals = [p for index in accepted for p in reconcile.problems(statement, index)]
        known_statements = self._known_statements([statement.statements[i] for i in accepted])
        for index in accepted:
            summary = statement.statements[index]
            row = known_statements.get(reconcile.statement_key(summary))
            if row is not None and not reconcile.same_statement(row, summary):
                refusals.append(_("{where}: statement {label} of {account} was imported before with the balances "
                                  "{opening} → {closing}; this one says {new_opening} → {new_closing}.").format(
                    where=summary.position, label=summary.label,
                    account=iban_format.format_iban(iban_of(summary.account)), opening=euros(int(row.opening_cents)), closing=euros(int(row.closing_cents)),
                    new_opening=euros(summary.opening_cents or 0), new_closing=euros(summary.closing_cents or 0)))
        if refusals:
            with transaction():
                audit.record("bank.refused", actor=operator, target=filename[:200], source=self.platform.source,
                             detail={"format": statement.format, "sha256": digest, "problems": refusals[:20]})
            raise StatementRefused(filename, refusals)

        import_row: StatementImport | None = None

        def import_row_now() -> StatementImport:
            nonlocal import_row
            # The import is recorded only when it brings something new.
            if import_row is None:
                import_row = self._import_row(filename, statement.format, digest, statement.accounts, operator)
            return import_row

        for index in accepted:
            summary = statement.statements[index]
            if reconcile.statement_key(summary) not in known_statements:
                self._record_statement(summary, import_row_now)
            report.statements.append(ImportedStatement(
                iban_of(summary.account), summary.label, summary.opening_cents or 0, summary.closing_cents or 0,
                summary.closing_date.isoformat() if summary.closing_date else "?"))
        entries = [e for e in statement.entries if e.statement in accepted]
        cache = _ImportCache()
        known = self._known_entries([e.key for e in entries])
        for done, entry in enumerate(entries, start=1):
            line = None if returns.is_return(entry) else self._ignored(entry)
            if line is None:
                seen = known.get(entry.key)
                if seen is not None:
                    line = self._duplicate(entry, seen[0], seen[1], self._shown(entry))
            if line is None and returns.is_return(entry):
                line = returns.import_return(self.platform, entry, import_row_now(), operator, self._shown(entry))
            if line is None:
                line = self._import_entry(entry, import_row_now(), operator, cache)
                if line.entry_id is not None:
                    known[entry.key] = (line.entry_id, line.outcome if line.outcome in ("credited", "returned")
                                        else "suspense")
            report.lines.append(line)
            if progress is not None:
                progress(done, len(entries))
        report.gaps = [gap.describe() for gap in reconcile.gaps(sorted({s.account for s in report.statements}))]
        if import_row is not None:
            report.import_id = int(import_row.id)
            with transaction():
                (StatementImport.update(
                    credited=report.count("credited"), suspense=report.count("suspense"),
                    duplicates=report.count("duplicate"), ignored=report.count("ignored"))
                 .where(StatementImport.id == import_row.id).execute())
        with transaction():
            audit.record(
                "bank.import", actor=operator, target=filename[:200], source=self.platform.source,
                detail={"format": statement.format, "sha256": digest, "skipped": len(report.skipped),
                        **{o: report.count(o) for o in ("credited", "suspense", "returned", "duplicate", "ignored")}},
            )
        return report

    def _accepted(self, statement: Statement, report: ImportReport, filename: str) -> list[int]:
        """The statements of the platform's receiving account; the others are named in ``report.skipped``."""
        receiving = set(self.receiving_accounts())
        accepted: list[int] = []
        for index, summary in enumerate(statement.statements):
            account = iban_of(summary.account)
            if account in receiving:
                accepted.append(index)
            else:
                report.skipped.append(
                    _("{where}: statement {label} of {account} skipped: not the platform's receiving account.")
                    .format(where=summary.position, label=summary.label or "?",
                            account=iban_format.format_iban(account) if account else _("an unknown account")))
        if statement.statements and not accepted:
            named = ", ".join(sorted({iban_format.format_iban(iban_of(s.account)) or "?"
                                      for s in statement.statements}))
            raise ValidationError(
                _("{file} is a statement of {accounts}, not of the platform's receiving account {receiving}: "
                  "nothing was imported.").format(file=filename, accounts=named,
                                                  receiving=", ".join(map(iban_format.format_iban, sorted(receiving)))),
                hint=_("Import the statements of the account that receives the top-ups, or correct the IBAN in "
                       "plugins.toml ([plugins.bank_transfer] iban)."),
                code="statement_account",
            )
        return accepted

    @staticmethod
    def _known_statements(summaries: list[AccountStatement]) -> dict[str, AccountStatementRow]:
        keys = sorted({reconcile.statement_key(s) for s in summaries})
        if not keys:
            return {}
        rows = AccountStatementRow.select().where(AccountStatementRow.statement_key.in_(keys))
        return {str(row.statement_key): row for row in rows}

    def _record_statement(self, summary: AccountStatement, import_row: Callable[[], StatementImport]) -> None:
        key = reconcile.statement_key(summary)
        # The import row is committed on its own first: made inside the transaction below, it
        # would vanish with it when a concurrent import recorded the statement first, and the
        # entries would then point at an import that does not exist.
        import_id = import_row().id
        try:
            with transaction():
                AccountStatementRow.create(
                    statement_key=key, account=iban_of(summary.account)[:40], format=summary.format,
                    label=summary.label[:40], year=summary.year, sequence=summary.sequence,
                    currency=summary.currency[:3], opening_cents=summary.opening_cents,
                    closing_cents=summary.closing_cents, opening_date=summary.opening_date,
                    closing_date=summary.closing_date, statement_import=import_id,
                    imported_at=self.platform.clock.now(),
                )
        except peewee.IntegrityError:
            # Another import of the same statement committed first.
            row = AccountStatementRow.get(AccountStatementRow.statement_key == key)
            if not reconcile.same_statement(row, summary):
                raise StatementRefused(summary.position, [
                    _("statement {label} of {account} was imported at the same time with other balances.").format(
                        label=summary.label, account=iban_of(summary.account))]) from None

    def status(self) -> tuple[list[AccountStatementRow], list[reconcile.Gap]]:
        """The last statement imported per account, and the gaps in the chain of statements."""
        accounts = sorted({str(row.account) for row in AccountStatementRow.select(AccountStatementRow.account)})
        latest = [row for row in (reconcile.latest(a) for a in accounts) if row is not None]
        return latest, reconcile.gaps()

    @staticmethod
    def _known_entries(keys: list[str]) -> dict[str, tuple[int, str]]:
        """Entries already imported, by key: ``(id, status)`` (read in a few queries, not per line)."""
        found: dict[str, tuple[int, str]] = {}
        unique = sorted(set(keys))
        for start in range(0, len(unique), 500):
            rows = cast("list[tuple[str, int, str]]", list(
                BankEntry.select(BankEntry.entry_key, BankEntry.id, BankEntry.status)
                .where(BankEntry.entry_key.in_(unique[start:start + 500])).tuples()
            ))
            found.update({key: (int(entry_id), str(status)) for key, entry_id, status in rows})
        return found

    def _import_row(self, filename: str, fmt: str, digest: str, accounts: list[str],
                    operator: str) -> StatementImport:
        with transaction():
            row: StatementImport = StatementImport.create(
                filename=filename[:255], format=fmt, sha256=digest, accounts=",".join(accounts)[:300],
                operator=operator[:100], imported_at=self.platform.clock.now(),
            )
        return row

    def _ignored(self, entry: StatementEntry) -> ImportLine | None:
        reason = ""
        if not entry.credit:
            reason = _("a debit, not a top-up")
        elif not entry.booked:
            reason = _("not booked yet (pending); it comes back booked in a later statement")
        elif entry.amount_cents == 0:
            reason = _("an amount of zero")
        if not reason:
            return None
        return ImportLine("ignored", entry.position, entry.reference, entry.amount_cents,
                          self._shown(entry), reason=reason, credit=entry.credit)

    @staticmethod
    def _shown(entry: StatementEntry) -> str:
        return ogm.format_ogm(entry.communication) if entry.communication else entry.communication_text[:60]

    def _description(self, entry: StatementEntry | BankEntry) -> str:
        words = i18n.catalog(self.platform.settings.language)
        name = " ".join(str(entry.counterparty_name).split()) or "—"
        return words.gettext("Bank transfer from {name} (ref. {reference})").format(
            name=name[:100], reference=str(entry.reference)[:100] or "—")

    def _match(self, entry: StatementEntry, cache: _ImportCache) -> tuple[int | None, str]:
        """``(organisation id, "")`` for a matched entry, else ``(None, problem)``."""
        if entry.problem:
            return None, entry.problem
        assert entry.communication is not None
        if entry.communication not in cache.matches:  # a statement often repeats a wallet
            try:
                wallet = self.platform.wallet.wallet_for_communication(entry.communication)
            except ValidationError:
                cache.matches[entry.communication] = (None, "invalid_communication")
            else:
                cache.matches[entry.communication] = (
                    (None, "no_wallet") if wallet is None
                    else (int(wallet.organisation_id), ""))
        return cache.matches[entry.communication]

    def _import_entry(self, entry: StatementEntry, import_row: StatementImport, operator: str,
                      cache: _ImportCache) -> ImportLine:
        shown = self._shown(entry)
        organisation_id, problem = self._match(entry, cache)
        credited: WalletTransaction | None = None
        if organisation_id is not None:
            assert entry.amount_cents is not None
            credited = self.platform.wallet.credit(
                organisation_id, entry.amount_cents, kind="bank_transfer",
                description=self._description(entry), idempotency_key=bank_credit_key(entry.key),
                reference=entry.reference[:200],
            )
        now = self.platform.clock.now()
        try:
            with transaction():
                row: BankEntry = BankEntry.create(
                    entry_key=entry.key, statement_import=import_row.id, format=entry.format,
                    position=entry.position[:40], account=entry.account[:40], reference=entry.reference[:100],
                    booking_date=entry.booking_date, amount_cents=entry.amount_cents,
                    currency=entry.currency[:3], communication=entry.communication,
                    communication_text=entry.communication_text[:300],
                    counterparty_name=entry.counterparty_name[:100],
                    counterparty_iban=entry.counterparty_iban[:40], raw_text=entry.raw,
                    status="credited" if credited else "suspense", problem=problem,
                    organisation_id=organisation_id, transaction_id=credited.id if credited else None,
                    created_at=now, resolved_at=now if credited else None,
                    resolved_by="automatic" if credited else "",
                )
                audit.record(
                    "bank.credited" if credited else "bank.suspense", actor=operator,
                    organisation_id=organisation_id, target=f"bank_entry:{row.id}",
                    source=self.platform.source,
                    detail={"amount_cents": entry.amount_cents, "reference": entry.reference,
                            "problem": problem},
                )
                if credited is not None and organisation_id is not None:
                    notify_managers(self.platform, organisation_id, credited, channel="bank_transfer",
                                    reference=entry.reference, known=cache.recipients)
        except peewee.IntegrityError:
            # Another import of the same entry committed first: it is a duplicate.
            existing = BankEntry.get(BankEntry.entry_key == entry.key)
            return self._duplicate(entry, int(existing.id), str(existing.status), shown)
        if credited is not None and organisation_id is not None:
            name = cache.recipients[organisation_id][0] if organisation_id in cache.recipients else str(
                Organisation.select(Organisation.name).where(Organisation.id == organisation_id).scalar())
            return ImportLine("credited", entry.position, entry.reference, entry.amount_cents, shown,
                              organisation=name, entry_id=int(row.id))
        return ImportLine("suspense", entry.position, entry.reference, entry.amount_cents, shown,
                          reason=_(PROBLEMS[problem]), entry_id=int(row.id))

    def _duplicate(self, entry: StatementEntry, entry_id: int, status: str, shown: str) -> ImportLine:
        return ImportLine(
            "duplicate", entry.position, entry.reference, entry.amount_cents, shown,
            reason=_("already imported (entry {id}, {status})").format(
                id=entry_id, status=_(STATUS_WORDS.get(status, status))),
            entry_id=entry_id, credit=entry.credit,
        )

    # -- suspense list ----------------------------------------------------------------------------

    def suspense(self) -> list[BankEntry]:
        """Entries waiting for an operator, oldest first."""
        return list(BankEntry.select().where(BankEntry.status == "suspense").order_by(BankEntry.id))

    def entry(self, entry_id: int) -> BankEntry:
        found: BankEntry | None = BankEntry.get_or_none(BankEntry.id == entry_id)
        if found is None:
            raise NotFoundError(
                _("There is no bank entry {id}.").format(id=entry_id),
                hint=_("List the suspense entries with: immo-connect bank suspense"), code="bank_entry_not_found",
            )
        return found

    def assign(self, entry_id: int, organisation_id: int, *, operator: str,
               amount_cents: int | None = None) -> BankEntry:
        """Credit a suspense entry to an organisation's wallet, once.

        ``amount_cents`` is needed when the line could not be read (or is not in euros) and
        must equal the statement's amount otherwise.
        """
        entry = self.entry(entry_id)
        if entry.status != "suspense":
            raise ConflictError(
                _("Bank entry {id} is not in the suspense list: it is already {status}.").format(
                    id=entry.id, status=_(STATUS_WORDS.get(str(entry.status), str(entry.status)))),
                hint=_("Nothing to do; list the suspense entries with: immo-connect bank suspense"),
                code="bank_entry_resolved",
            )
        amount = self._assigned_amount(entry, amount_cents)
        if not Organisation.select().where(Organisation.id == organisation_id).exists():
            raise NotFoundError(
                _("There is no organisation (and so no wallet) with id {id}.").format(id=organisation_id),
                hint=_("Check the organisation's id."), field="organisation_id", code="wallet_not_found",
            )
        credited = self.platform.wallet.credit(
            organisation_id, amount, kind="bank_transfer", description=self._description(entry),
            idempotency_key=bank_credit_key(str(entry.entry_key)), reference=str(entry.reference)[:200],
        )
        now = self.platform.clock.now()
        with transaction():
            claimed = (
                BankEntry.update(status="assigned", organisation_id=organisation_id,
                                 transaction_id=credited.id, resolved_at=now, resolved_by=operator[:100],
                                 amount_cents=amount)
                .where((BankEntry.id == entry.id) & (BankEntry.status == "suspense"))
                .execute()
            )
            if claimed:
                audit.record(
                    "bank.assigned", actor=operator, organisation_id=organisation_id,
                    target=f"bank_entry:{entry.id}", source=self.platform.source,
                    detail={"amount_cents": amount, "transaction": credited.id},
                )
                notify_managers(self.platform, organisation_id, credited, channel="assigned",
                                reference=str(entry.reference))
        return self.entry(int(entry.id))

    def _assigned_amount(self, entry: BankEntry, amount_cents: int | None) -> int:
        known = entry.amount_cents if entry.problem not in ("unreadable", "currency") else None
        if amount_cents is None:
            if known is None:
                raise ValidationError(
                    _("The amount of bank entry {id} could not be read from the statement.").format(id=entry.id),
                    hint=_("Give the amount credited on the bank account with --amount."),
                    field="amount", code="amount_missing",
                )
            return int(known)
        if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
            raise ValidationError(
                _("The amount must be more than zero."), hint=_("Type the amount like 50 or 125,50."),
                field="amount", code="amount_not_positive",
            )
        if known is not None and amount_cents != known:
            raise ValidationError(
                _("The statement says {amount} for this entry; the amount given differs.").format(
                    amount=euros(int(known))),
                hint=_("Leave --amount out to credit the statement's amount."),
                field="amount", code="amount_differs",
            )
        return amount_cents


STATUS_WORDS: dict[str, str] = {
    "credited": N_("credited"),
    "suspense": N_("in suspense"),
    "assigned": N_("assigned by an operator"),
    "returned": N_("returned"),
}
