"""Builders for bank statement files in the banks' formats (CODA 2.6, camt.053.001.02).

The records are assembled from fields at the 1-based positions of the Febelfin CODA 2.6
standard (see docs/payments.md); each record is checked to be exactly 128 characters. The
samples in tests/data/statements/ were written with these builders (``python -m
tests.support.statements`` writes them again).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

PLATFORM_IBAN = "BE71096123456769"  # the platform's receiving account by default ([platform] iban)
SPEC_IBAN = "BE36734012345681"  # the account of the spec's sample statement (KBC, checked)
OTHER_IBAN = "BE21001234567803"  # another account of the company
DATA = Path(__file__).resolve().parent.parent / "data" / "statements"


def record(fields: dict[int, str]) -> str:
    """A 128-character record with each value starting at its 1-based position."""
    line = [" "] * 128
    for start, value in fields.items():
        end = start - 1 + len(value)
        assert end <= 128, (start, value)
        assert all(c == " " for c in line[start - 1:end]), f"fields overlap at {start}"
        line[start - 1:end] = value
    return "".join(line)


def ddmmyy(day: dt.date) -> str:
    return day.strftime("%d%m%y")


def amount15(cents: int) -> str:
    return f"{cents * 10:015d}"  # 12 digits + 3 decimals


@dataclasses.dataclass
class Move:
    """One movement: structured communication (12 digits) or free text, credit or debit.

    ``kind`` is the first digit of the transaction code (CODA 2.6 Annex II): 0 simple,
    1/2 totals whose ``details`` are of kind 5 / 6 or 7, 3 with details of kind 8, 7 with
    details of kind 9. ``returned`` writes an R-transaction type in record 2.2 (2 return,
    4 reversal…) with the ISO ``reason``.
    """

    reference: str
    cents: int
    ogm: str | None = None
    free: str = ""
    debit: bool = False
    name: str = "DUPONT MARIE"
    iban: str = "BE21001234567803"
    bic: str = "GEBABEBB"
    raw_amount: str | None = None  # to write a malformed amount field
    kind: str = "0"
    details: list[Move] = dataclasses.field(default_factory=list)
    returned: str = ""
    reason: str = ""
    family: str = ""  # family + transaction of the code, default 0150 (credit) / 1301 (debit)

    @property
    def signed(self) -> int:
        return -self.cents if self.debit else self.cents


def _move_records(move: Move, seq: str, detail: int, day: dt.date, sequence: int) -> list[str]:
    communication = {62: "1", 63: "101" + move.ogm} if move.ogm is not None else {62: "0", 63: move.free[:53]}
    family = move.family or ("1301" if move.debit else "0150")
    return [
        record({1: "21", 3: seq, 7: f"{detail:04d}", 11: move.reference[:21], 32: "1" if move.debit else "0",
                33: move.raw_amount or amount15(move.cents), 48: ddmmyy(day),
                54: move.kind + family + "000", **communication,
                116: ddmmyy(day), 122: f"{sequence:03d}", 125: "0", 126: "1", 128: "0"}),
        record({1: "22", 3: seq, 7: f"{detail:04d}", 64: "NOTPROVIDED", 99: move.bic,
                **({113: move.returned, 114: move.reason} if move.returned else {}), 126: "1", 128: "0"}),
        record({1: "23", 3: seq, 7: f"{detail:04d}", 11: move.iban, 48: move.name, 126: "0", 128: "0"}),
    ]


def coda(moves: list[Move], *, day: dt.date = dt.date(2026, 3, 3), old_cents: int = 500_000_00,
         sequence: int = 5, iban: str = PLATFORM_IBAN, new_cents: int | None = None,
         credit_total: int | None = None) -> str:
    """A CODA file (CRLF) with one statement holding ``moves`` (and their details).

    The balances and the trailer add up unless ``new_cents`` or ``credit_total`` say otherwise.
    """
    lines = [record({1: "00000", 6: ddmmyy(day), 12: "734", 15: "05", 35: "IMMO CONNECT SRL",
                     61: "KREDBEBB", 72: "00403170701", 84: "00000", 128: "2"})]
    lines.append(record({1: "1", 2: "2", 3: f"{sequence:03d}", 6: iban, 40: "EUR", 43: "0",
                         44: amount15(old_cents), 59: ddmmyy(day - dt.timedelta(days=1)),
                         65: "IMMO CONNECT SRL", 91: "COMPTE WALLET", 126: f"{sequence:03d}"}))
    balance, credits, debits = old_cents, 0, 0
    for number, move in enumerate(moves, start=1):
        seq = f"{number:04d}"
        lines.extend(_move_records(move, seq, 0, day, sequence))
        detail = 0
        for child in move.details:
            detail += 1
            lines.extend(_move_records(child, seq, detail, day, sequence))
            for grandchild in child.details:
                detail += 1
                lines.extend(_move_records(grandchild, seq, detail, day, sequence))
        if move.raw_amount is None:
            if move.debit:
                balance, debits = balance - move.cents, debits + move.cents
            else:
                balance, credits = balance + move.cents, credits + move.cents
    closing = balance if new_cents is None else new_cents
    lines.append(record({1: "8", 2: f"{sequence:03d}", 5: iban, 39: "EUR", 42: "1" if closing < 0 else "0",
                         43: amount15(abs(closing)), 58: ddmmyy(day), 128: "0"}))
    count = len(lines) - 1  # records 1, 2.x and 8
    lines.append(record({1: "9", 17: f"{count:06d}", 23: amount15(debits),
                         38: amount15(credits if credit_total is None else credit_total), 128: "2"}))
    return "\r\n".join(lines) + "\r\n"


def coda_closing(moves: list[Move], old_cents: int = 500_000_00) -> int:
    """The new balance of a statement of ``moves`` (to chain the next one)."""
    return old_cents + sum(m.signed for m in moves)


@dataclasses.dataclass
class Entry:
    """One camt.053 entry; ``details`` > 1 makes a batch of several transactions."""

    reference: str
    amount: str  # as written in the XML, e.g. "250.00"
    ogm: str | None = None
    issuer: str | None = "BBA"
    ustrd: str = ""
    rf: str = ""
    debit: bool = False
    status: str = "BOOK"
    currency: str = "EUR"
    name: str = "JANSSENS PIETER"
    iban: str = "BE71096123456769"
    details: list[Entry] = dataclasses.field(default_factory=list)
    reversal: bool = False  # RvslInd
    family: str = "RCDT/ESCT"  # BkTxCd family / sub-family
    return_reason: str = ""  # RtrInf/Rsn/Cd of its transaction

    @property
    def cents(self) -> int:
        return round(float(self.amount) * 100)


def _remittance(entry: Entry) -> str:
    parts = []
    if entry.ogm is not None:
        issuer = f"<Issr>{entry.issuer}</Issr>" if entry.issuer else ""
        parts.append(f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry>{issuer}</Tp>"
                     f"<Ref>{entry.ogm}</Ref></CdtrRefInf></Strd>")
    if entry.rf:
        parts.append("<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp>"
                     f"<Ref>{entry.rf}</Ref></CdtrRefInf></Strd>")
    if entry.ustrd:
        parts.insert(0, f"<Ustrd>{escape(entry.ustrd)}</Ustrd>")
    return f"<RmtInf>{''.join(parts)}</RmtInf>" if parts else ""


def _details(entry: Entry, with_amount: bool) -> str:
    amount = (f'<AmtDtls><TxAmt><Amt Ccy="{entry.currency}">{entry.amount}</Amt></TxAmt></AmtDtls>'
              if with_amount else "")
    party = "Cdtr" if entry.debit else "Dbtr"
    returned = f"<RtrInf><Rsn><Cd>{entry.return_reason}</Cd></Rsn></RtrInf>" if entry.return_reason else ""
    return (f"<TxDtls><Refs><AcctSvcrRef>{entry.reference}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
            f"{amount}<RltdPties><{party}><Nm>{escape(entry.name)}</Nm></{party}>"
            f"<{party}Acct><Id><IBAN>{entry.iban}</IBAN></Id></{party}Acct></RltdPties>"
            f"{_remittance(entry)}{returned}</TxDtls>")


def _balance(code: str, cents: int, day: dt.date) -> str:
    return (f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(cents) / 100:.2f}</Amt>'
            f"<CdtDbtInd>{'DBIT' if cents < 0 else 'CRDT'}</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>")


def camt_statement(entries: list[Entry], *, day: dt.date = dt.date(2026, 3, 3), iban: str = PLATFORM_IBAN,
                   statement_id: str = "2026-005", sequence: int | None = 5, opening_cents: int | None = 500_000_00,
                   closing_cents: int | None = None, credit_sum: int | None = None) -> str:
    """One ``Stmt`` block; balances (OPBD/CLBD) and TxsSummry add up unless given otherwise."""
    blocks = []
    credits = debits = 0
    for entry in entries:
        indicator = "DBIT" if entry.debit else "CRDT"
        details = (
            "".join(_details(d, True) for d in entry.details) if entry.details else _details(entry, False)
        )
        reversal = "<RvslInd>true</RvslInd>" if entry.reversal else ""
        domain, _slash, subfamily = entry.family.partition("/")
        blocks.append(
            f'<Ntry><Amt Ccy="{entry.currency}">{entry.amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>{reversal}'
            f"<Sts>{entry.status}</Sts><BookgDt><Dt>{day.isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{day.isoformat()}</Dt></ValDt><AcctSvcrRef>{entry.reference}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{domain}</Cd><SubFmlyCd>{subfamily}</SubFmlyCd></Fmly></Domn>"
            f"</BkTxCd><NtryDtls>{details}</NtryDtls></Ntry>"
        )
        if entry.status == "BOOK":
            try:
                cents = entry.cents
            except ValueError:
                continue
            if entry.debit:
                debits += cents
            else:
                credits += cents
    balances = summary = ""
    if opening_cents is not None:
        closing = opening_cents + credits - debits if closing_cents is None else closing_cents
        balances = _balance("OPBD", opening_cents, day - dt.timedelta(days=1)) + _balance("CLBD", closing, day)
        total = credits if credit_sum is None else credit_sum
        summary = (f"<TxsSummry><TtlCdtNtries><Sum>{total / 100:.2f}</Sum></TtlCdtNtries>"
                   f"<TtlDbtNtries><Sum>{debits / 100:.2f}</Sum></TtlDbtNtries></TxsSummry>")
    number = f"<ElctrncSeqNb>{sequence}</ElctrncSeqNb>" if sequence is not None else ""
    body = "\n      ".join(blocks)
    return f"""<Stmt>
      <Id>{statement_id}</Id>{number}
      <CreDtTm>{day.isoformat()}T06:00:00</CreDtTm>
      <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy><Ownr><Nm>IMMO CONNECT SRL</Nm></Ownr></Acct>
      {balances}{summary}
      {body}
    </Stmt>"""


def camt_document(statements: list[str], *, day: dt.date = dt.date(2026, 3, 3)) -> str:
    body = "\n    ".join(statements)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-{day:%Y%m%d}</MsgId><CreDtTm>{day.isoformat()}T06:00:00</CreDtTm></GrpHdr>
    {body}
  </BkToCstmrStmt>
</Document>
"""


def camt(entries: list[Entry], *, day: dt.date = dt.date(2026, 3, 3), **options: Any) -> str:
    """A camt.053.001.02 document with one statement holding ``entries``."""
    return camt_document([camt_statement(entries, day=day, **options)], day=day)


# -- the committed samples -------------------------------------------------------------------

# Wallet communications the sample tests give to two wallets (the spec's checked examples).
WALLET_A = "202600004236"  # +++202/6000/04236+++
WALLET_B = "000001234526"  # +++000/0012/34526+++
UNKNOWN = "555000000183"  # valid check digits, no wallet has it
WRONG = "202600004237"  # check digits wrong


def sample_coda() -> str:
    return coda([
        Move("OL4821A0001EBKTBBNPOS", 250_00, ogm=WALLET_A, name="JANSSENS PIETER", iban="BE71096123456769"),
        Move("OL4821A0002EBKTBBNPOS", 1234_56, ogm=WALLET_B),
        Move("OL4821A0003EBKTBBNPOS", 75_00, ogm=UNKNOWN, name="PEETERS AN"),
        Move("OL4821A0004EBKTBBNPOS", 100_00, free="RECHARGE WALLET +++202/6000/04236+++", name="JANSSENS PIETER"),
        Move("OL4821A0005EBKTBBNPOS", 60_00, ogm=WRONG, name="MAES TOM"),
        Move("OL4821A0006EBKTBBNPOS", 40_00, free="FACTURE 2026-17 MERCI", name="WILLEMS LEA"),
        Move("OL4821A0001EBKTBBNPOS", 250_00, ogm=WALLET_A, name="JANSSENS PIETER", iban="BE71096123456769"),
        Move("OL4821A0008EBKTBBNPOS", 12_50, free="FRAIS DE GESTION", debit=True, name="KBC"),
    ])


def damaged_coda() -> str:
    """The mixed sample with an amount field damaged and a line the bank never wrote."""
    return coda([
        Move("OL4821A0001EBKTBBNPOS", 250_00, ogm=WALLET_A, name="JANSSENS PIETER", iban="BE71096123456769"),
        Move("OL4821A0009EBKTBBNPOS", 0, ogm=WALLET_B, raw_amount="00000000025X000"),
    ]).replace("\r\n8005", "\r\n#### DAMAGED LINE ####\r\n8005", 1)


def sample_camt() -> str:
    return camt([
        Entry("CAMT0001", "250.00", ogm=WALLET_A),
        Entry("CAMT0002", "1234.56", ogm=WALLET_B, issuer=None, name="DUPONT MARIE"),
        Entry("CAMT0003", "80.00", ustrd="Wallet +++202/6000/04236+++ merci"),
        Entry("CAMT0004", "75.00", ogm=UNKNOWN, name="PEETERS AN"),
        Entry("CAMT0005", "60.00", ogm=WRONG, name="MAES TOM"),
        Entry("CAMT0006", "45.00", rf="RF18539007547034", name="WILLEMS LEA"),
        Entry("CAMT0001", "250.00", ogm=WALLET_A),
        Entry("CAMT0008", "12.50", debit=True, ustrd="Frais", name="KBC"),
        Entry("CAMT0009", "300.00", ogm=WALLET_B, status="PDNG"),
        Entry("CAMT0011", "150.00", details=[
            Entry("CAMT0011-1", "100.00", ogm=WALLET_B),
            Entry("CAMT0011-2", "50.00", ogm=UNKNOWN, name="PEETERS AN"),
        ]),
    ])


def write_samples() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / "mixed.cod").write_bytes(sample_coda().encode("ascii"))
    (DATA / "mixed.xml").write_text(sample_camt(), encoding="utf-8")


if __name__ == "__main__":
    write_samples()
