"""ISO 20022 camt.053 (BankToCustomerStatement), as Belgian banks issue it.

Read with ``defusedxml``: a document with a DTD, entity declarations or external
references is refused before anything is expanded (no entity bombs, no file or network
access). Every ``camt.053.001.*`` version is accepted; element names are read without
their namespace. Per entry (``Ntry``): amount and currency, ``CdtDbtInd``, status
(``BOOK`` or ``PDNG``), booking and value dates, the bank's reference (``AcctSvcrRef``),
and per transaction detail the structured communication (``RmtInf/Strd/CdtrRefInf``:
``SCOR`` with issuer ``BBA``, or without issuer; an OGM written in ``Ustrd`` also counts)
and the debtor's name and IBAN.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

import defusedxml
import defusedxml.ElementTree as SafeET

from immo_connect.bank._entries import (
    AccountStatement,
    Statement,
    StatementEntry,
    find_communication,
    structured,
)
from immo_connect.errors import ValidationError
from immo_connect.i18n import _
from immo_connect.payments._money import euros

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.053."


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(element: ET.Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _date(element: ET.Element | None) -> dt.date | None:
    if element is None:
        return None
    text = _text(element, "Dt") or _text(element, "DtTm")[:10]
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _cents(text: str) -> int | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def load(data: bytes) -> ET.Element:
    """The document's root with namespaces stripped, or a :class:`ValidationError`."""
    try:
        root: ET.Element = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                             forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise ValidationError(
            _("The statement file declares a DTD or entities, which statements never need; it was not read."),
            hint=_("Import the file exactly as the bank delivered it."), code="statement_unsafe",
        ) from None
    except ET.ParseError as error:
        raise ValidationError(
            _("The statement file is not well-formed XML ({reason}).").format(reason=error),
            hint=_("Import the file exactly as the bank delivered it."), code="statement_unreadable",
        ) from None
    namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
    for element in root.iter():
        element.tag = _local(element.tag)
    if root.tag != "Document" or root.find("BkToCstmrStmt") is None or (
        namespace and not namespace.startswith(NAMESPACE_PREFIX)
    ):
        raise ValidationError(
            _("The XML file is not a camt.053 bank statement."),
            hint=_("Import a CODA file or a camt.053 statement (BkToCstmrStmt)."), code="statement_format",
        )
    return root


def parse(data: bytes) -> Statement:
    """Read a camt.053 document into entries (one per transaction detail) and warnings."""
    root = load(data)
    statement = Statement("camt053")
    number = 0
    for stmt in root.iterfind("BkToCstmrStmt/Stmt"):
        account = _text(stmt, "Acct/Id/IBAN") or _text(stmt, "Acct/Id/Othr/Id")
        if account and account not in statement.accounts:
            statement.accounts.append(account)
        stmt_id = _text(stmt, "Id")
        summary = _summary(stmt, account, stmt_id, number + 1)
        index = len(statement.statements)
        statement.statements.append(summary)
        for ntry in stmt.iterfind("Ntry"):
            number += 1
            entries = _entries(ntry, account, stmt_id, number)
            for entry in entries:
                entry.statement = index
            statement.entries.extend(entries)
            _count(summary, ntry, entries)
    if number == 0 and not statement.accounts:
        statement.warnings.append(_("The statement holds no account and no entries."))
    return statement


def _signed(element: ET.Element) -> int | None:
    cents = _cents(_text(element, "Amt"))
    indicator = _text(element, "CdtDbtInd")
    if cents is None or indicator not in ("CRDT", "DBIT"):
        return None
    return -cents if indicator == "DBIT" else cents


def _summary(stmt: ET.Element, account: str, stmt_id: str, first: int) -> AccountStatement:
    """Balances (opening ``OPBD``, else ``PRCD``; closing ``CLBD``), sequence and ``TxsSummry``."""
    summary = AccountStatement(
        "camt053", _("statement {id}").format(id=stmt_id or first), account=account,
        currency=_text(stmt, "Acct/Ccy") or "EUR", label=stmt_id,
    )
    sequence = _text(stmt, "ElctrncSeqNb") or _text(stmt, "LglSeqNb")
    summary.sequence = int(sequence) if sequence.isdigit() else None
    created = _text(stmt, "CreDtTm")[:4]
    summary.year = int(created) if created.isdigit() else None
    balances: dict[str, ET.Element] = {}
    for balance in stmt.iterfind("Bal"):
        code = _text(balance, "Tp/CdOrPrtry/Cd") or _text(balance, "Tp/CdOrPrtry/Prtry")
        balances.setdefault(code.upper(), balance)
    opening = balances.get("OPBD", balances.get("PRCD"))
    closing = balances.get("CLBD")
    for element, name in ((opening, "OPBD"), (closing, "CLBD")):
        if element is None:
            summary.problems.append(_("{where}: the booked balance {code} is missing.").format(
                where=summary.position, code=name))
            continue
        value = _signed(element)
        if value is None:
            summary.problems.append(_("{where}: the balance {code} cannot be read.").format(
                where=summary.position, code=name))
        currency = element.find("Amt")
        if currency is not None and currency.get("Ccy", summary.currency) != summary.currency:
            summary.problems.append(_("{where}: the balance {code} is not in the account's currency {currency}.")
                                    .format(where=summary.position, code=name, currency=summary.currency))
        if element is opening:
            summary.opening_cents, summary.opening_date = value, _date(element.find("Dt"))
        else:
            summary.closing_cents, summary.closing_date = value, _date(element.find("Dt"))
    for path, attribute in (("TxsSummry/TtlCdtNtries/Sum", "declared_credits"),
                            ("TxsSummry/TtlDbtNtries/Sum", "declared_debits")):
        if stmt.find(path) is not None:
            setattr(summary, attribute, _cents(_text(stmt, path)))
            if getattr(summary, attribute) is None:
                summary.problems.append(_("{where}: the transaction summary cannot be read.").format(
                    where=summary.position))
    return summary


def _count(summary: AccountStatement, ntry: ET.Element, entries: list[StatementEntry]) -> None:
    """Add one entry to its statement's booked totals, checking its batch details add up."""
    position = entries[0].position if entries else ""
    if _text(ntry, "Sts") == "PDNG" or _text(ntry, "Sts/Cd") == "PDNG":
        return  # not in the booked balances
    signed = _signed(ntry)
    amount = ntry.find("Amt")
    if signed is None or any(e.amount_cents is None for e in entries):
        summary.problems.append(_("{position}: the amount of this entry cannot be read.").format(position=position))
        return
    if amount is not None and amount.get("Ccy", summary.currency) != summary.currency:
        summary.problems.append(_("{position}: the entry is in {currency}, the account in {account}.").format(
            position=position, currency=amount.get("Ccy", ""), account=summary.currency))
    if signed >= 0:
        summary.movement_credits += signed
    else:
        summary.movement_debits -= signed
    if len(entries) > 1:
        total = sum(e.amount_cents or 0 for e in entries)
        if total != abs(signed):
            summary.problems.append(
                _("{position}: the transactions of this batch add up to {details}, the entry says {total}.")
                .format(position=position, details=euros(total), total=euros(abs(signed))))


def _entries(ntry: ET.Element, account: str, stmt_id: str, number: int) -> list[StatementEntry]:
    amount = ntry.find("Amt")
    currency = amount.get("Ccy", "") if amount is not None else ""
    cents = _cents((amount.text or "").strip()) if amount is not None else None
    indicator = _text(ntry, "CdtDbtInd")
    status = _text(ntry, "Sts") or _text(ntry, "Sts/Cd")
    code = "/".join(filter(None, (_text(ntry, "BkTxCd/Domn/Cd"), _text(ntry, "BkTxCd/Domn/Fmly/Cd"),
                                  _text(ntry, "BkTxCd/Domn/Fmly/SubFmlyCd"))))
    base = StatementEntry(
        format="camt053", account=account,
        reference=_text(ntry, "AcctSvcrRef") or _text(ntry, "NtryRef") or f"{stmt_id}/{number}",
        position=_("entry {number}").format(number=number), credit=indicator != "DBIT",
        amount_cents=None, currency=currency or "EUR",
        booking_date=_date(ntry.find("BookgDt")), value_date=_date(ntry.find("ValDt")),
        booked=status != "PDNG", raw=ET.tostring(ntry, encoding="unicode"), transaction_code=code,
        returned=_returned(ntry, code),
    )
    if cents is None or indicator not in ("CRDT", "DBIT"):
        return [dataclasses.replace(base, problem="unreadable")]
    details = ntry.findall("NtryDtls/TxDtls")
    if len(details) <= 1:
        return [_entry(details[0] if details else None, dataclasses.replace(base, amount_cents=cents))]
    # A batch: one entry per transaction, each with its own amount and communication.
    result: list[StatementEntry] = []
    for index, detail in enumerate(details, start=1):
        detail_cents = _cents(_text(detail, "AmtDtls/TxAmt/Amt") or _text(detail, "Amt"))
        entry = dataclasses.replace(
            base, reference=_text(detail, "Refs/AcctSvcrRef") or f"{base.reference}/{index}",
            amount_cents=detail_cents, raw=ET.tostring(detail, encoding="unicode"),
        )
        result.append(dataclasses.replace(entry, problem="unreadable") if detail_cents is None
                      else _entry(detail, entry))
    return result


# ISO 20022 bank transaction sub-families of a received credit transfer taken back:
# RRTN reversal due to a return, RPCR reversal due to a cancellation request (a recall).
_RETURN_SUBFAMILIES = {"RRTN": "return", "RPCR": "recall"}


def _returned(ntry: ET.Element, code: str) -> str:
    """``"return"`` / ``"recall"`` / ``"reversal"`` for an entry that takes a transfer back."""
    subfamily = code.rpartition("/")[2]
    if code.startswith("PMNT/RCDT/") and subfamily in _RETURN_SUBFAMILIES:
        return _RETURN_SUBFAMILIES[subfamily]
    if _text(ntry, "RvslInd").lower() == "true":
        return "reversal"
    if ntry.find("NtryDtls/TxDtls/RtrInf") is not None:
        return "return"
    return ""


def _communication(detail: ET.Element) -> tuple[str | None, str, str]:
    """``(twelve digits | None, problem, text as written)`` for one transaction detail."""
    for ref_info in detail.iterfind("RmtInf/Strd/CdtrRefInf"):
        code = (_text(ref_info, "Tp/CdOrPrtry/Cd") or _text(ref_info, "Tp/CdOrPrtry/Prtry")).upper()
        issuer = _text(ref_info, "Tp/Issr").upper()
        ref = _text(ref_info, "Ref")
        if not ref or issuer == "ISO" or ref.upper().startswith("RF"):
            continue  # an RF creditor reference, not a Belgian structured communication
        if code in ("SCOR", "BBA", "") or issuer == "BBA":
            digits, problem = structured(ref)
            return digits, problem, ref
    free = " ".join((u.text or "").strip() for u in detail.iterfind("RmtInf/Ustrd")).strip()
    digits, problem = find_communication(free)
    return digits, problem, free


def _entry(detail: ET.Element | None, entry: StatementEntry) -> StatementEntry:
    digits: str | None = None
    problem, text, name, iban = "no_communication", "", "", ""
    if detail is not None:
        digits, problem, text = _communication(detail)
        party = "Dbtr" if entry.credit else "Cdtr"  # the payer, or whom a debit goes to
        name = _text(detail, f"RltdPties/{party}/Nm") or _text(detail, f"RltdPties/{party}/Pty/Nm")
        iban = _text(detail, f"RltdPties/{party}Acct/Id/IBAN")
    if entry.currency != "EUR":
        problem = "currency"
    reason = _text(detail, "RtrInf/Rsn/Cd") if detail is not None else ""
    return dataclasses.replace(
        entry, communication=digits, communication_text=text, counterparty_name=name,
        counterparty_iban=iban, problem=problem, return_reason=reason,
    )
