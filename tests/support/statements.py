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
from xml.sax.saxutils import escape

PLATFORM_IBAN = "BE36734012345681"  # the platform's account in the samples (KBC, checked)
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
    """One movement: structured communication (12 digits) or free text, credit or debit."""

    reference: str
    cents: int
    ogm: str | None = None
    free: str = ""
    debit: bool = False
    name: str = "DUPONT MARIE"
    iban: str = "BE21001234567803"
    bic: str = "GEBABEBB"
    raw_amount: str | None = None  # to write a malformed amount field


def coda(moves: list[Move], *, day: dt.date = dt.date(2026, 3, 3), old_cents: int = 500_000_00,
         sequence: int = 5, iban: str = PLATFORM_IBAN) -> str:
    """A CODA file (CRLF) with one statement holding ``moves``."""
    lines = [record({1: "00000", 6: ddmmyy(day), 12: "734", 15: "05", 35: "IMMO CONNECT SRL",
                     61: "KREDBEBB", 72: "00403170701", 84: "00000", 128: "2"})]
    lines.append(record({1: "1", 2: "2", 3: f"{sequence:03d}", 6: iban, 40: "EUR", 43: "0",
                         44: amount15(old_cents), 59: ddmmyy(day - dt.timedelta(days=1)),
                         65: "IMMO CONNECT SRL", 91: "COMPTE WALLET", 126: f"{sequence:03d}"}))
    balance, credits, debits = old_cents, 0, 0
    for number, move in enumerate(moves, start=1):
        seq = f"{number:04d}"
        communication = {62: "1", 63: "101" + move.ogm} if move.ogm is not None else {62: "0", 63: move.free[:53]}
        lines.append(record({1: "21", 3: seq, 7: "0000", 11: move.reference[:21],
                             32: "1" if move.debit else "0",
                             33: move.raw_amount or amount15(move.cents), 48: ddmmyy(day),
                             54: "10150000" if not move.debit else "13010000", **communication,
                             116: ddmmyy(day), 122: f"{sequence:03d}", 125: "0", 126: "1", 128: "0"}))
        lines.append(record({1: "22", 3: seq, 7: "0000", 64: "NOTPROVIDED", 99: move.bic, 126: "1", 128: "0"}))
        lines.append(record({1: "23", 3: seq, 7: "0000", 11: move.iban, 48: move.name, 126: "0", 128: "0"}))
        if move.raw_amount is None:
            if move.debit:
                balance, debits = balance - move.cents, debits + move.cents
            else:
                balance, credits = balance + move.cents, credits + move.cents
    lines.append(record({1: "8", 2: f"{sequence:03d}", 5: iban, 39: "EUR", 42: "0",
                         43: amount15(balance), 58: ddmmyy(day), 128: "0"}))
    count = len(lines) - 1  # records 1, 2.x and 8
    lines.append(record({1: "9", 17: f"{count:06d}", 23: amount15(debits), 38: amount15(credits), 128: "2"}))
    return "\r\n".join(lines) + "\r\n"


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
    return (f"<TxDtls><Refs><AcctSvcrRef>{entry.reference}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
            f"{amount}<RltdPties><Dbtr><Nm>{escape(entry.name)}</Nm></Dbtr>"
            f"<DbtrAcct><Id><IBAN>{entry.iban}</IBAN></Id></DbtrAcct></RltdPties>"
            f"{_remittance(entry)}</TxDtls>")


def camt(entries: list[Entry], *, day: dt.date = dt.date(2026, 3, 3), iban: str = PLATFORM_IBAN,
         statement_id: str = "2026-005") -> str:
    """A camt.053.001.02 document with one statement holding ``entries``."""
    blocks = []
    for entry in entries:
        indicator = "DBIT" if entry.debit else "CRDT"
        details = (
            "".join(_details(d, True) for d in entry.details) if entry.details else _details(entry, False)
        )
        blocks.append(
            f'<Ntry><Amt Ccy="{entry.currency}">{entry.amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
            f"<Sts>{entry.status}</Sts><BookgDt><Dt>{day.isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{day.isoformat()}</Dt></ValDt><AcctSvcrRef>{entry.reference}</AcctSvcrRef>"
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls>{details}</NtryDtls></Ntry>"
        )
    body = "\n      ".join(blocks)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-{day:%Y%m%d}</MsgId><CreDtTm>{day.isoformat()}T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{statement_id}</Id>
      <CreDtTm>{day.isoformat()}T06:00:00</CreDtTm>
      <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy><Ownr><Nm>IMMO CONNECT SRL</Nm></Ownr></Acct>
      {body}
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


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
        Move("OL4821A0009EBKTBBNPOS", 0, ogm=WALLET_B, raw_amount="00000000025X000"),
    ]).replace(
        # A line the bank never wrote: damaged in transit.
        "\r\n8005", "\r\n#### DAMAGED LINE ####\r\n8005", 1,
    )


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
        Entry("CAMT0010", "12,50", ogm=WALLET_B),
        Entry("CAMT0011", "150.00", details=[
            Entry("CAMT0011-1", "100.00", ogm=WALLET_B),
            Entry("CAMT0011-2", "50.00", ogm=UNKNOWN, name="PEETERS AN"),
        ]),
        Entry("CAMT0012", "90.00", ogm=WALLET_A, currency="USD"),
    ])


def write_samples() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / "mixed.cod").write_bytes(sample_coda().encode("ascii"))
    (DATA / "mixed.xml").write_text(sample_camt(), encoding="utf-8")


if __name__ == "__main__":
    write_samples()
