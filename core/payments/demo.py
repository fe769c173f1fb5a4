"""Demo top-ups (step of ``immo-connect demo``, after the wallet step).

Immo Peeters gets an online top-up paid through the sandbox provider, and a bank statement
(camt.053) is imported with one transfer carrying its structured communication and one
without, which waits in the suspense list for an operator. Every part is idempotent: the
top-up has a fixed request key and the statement's entries fixed bank references.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from immo_connect import formatting
from immo_connect.accounts.models import Account
from immo_connect.errors import ImmoConnectError
from immo_connect.formats import ogm
from immo_connect.i18n import _
from immo_connect.organisations.models import Organisation
from immo_connect.payments.texts import status_text

if TYPE_CHECKING:
    from immo_connect.platform import Platform

ORGANISATION = "0750000040"  # Immo Peeters (organisations demo step)
MANAGER = "anne.peeters"

_STATEMENT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>DEMO-STMT-1</MsgId><CreDtTm>2026-03-03T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>DEMO-2026-001</Id>
      <ElctrncSeqNb>1</ElctrncSeqNb>
      <CreDtTm>2026-03-03T06:00:00</CreDtTm>
      <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">650.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-03</Dt></Dt></Bal>
      <Ntry><Amt Ccy="EUR">500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-03-03</Dt></BookgDt><AcctSvcrRef>DEMO0001</AcctSvcrRef>
        <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>IMMO PEETERS SRL</Nm></Dbtr></RltdPties>
          <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr></Tp>
            <Ref>{communication}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>
      <Ntry><Amt Ccy="EUR">150.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-03-03</Dt></BookgDt><AcctSvcrRef>DEMO0002</AcctSvcrRef>
        <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>DUBOIS MARC</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>Recharge wallet Dubois</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def seed(platform: Platform) -> list[str]:
    organisation: Organisation | None = Organisation.get_or_none(Organisation.enterprise_number == ORGANISATION)
    manager: Account | None = Account.get_or_none(Account.username == MANAGER)
    if organisation is None or manager is None:
        return [_("Top-ups: skipped (the demo organisation is missing).")]
    lines: list[str] = []
    try:
        payment = platform.payments.start_topup(
            manager, organisation.id, 250_00, option="bancontact", provider="sandbox",
            request_key=f"demo:topup:{ORGANISATION}:1",
        )
        if payment.status in ("open", "pending"):
            payment = platform.payments.simulate(manager, payment.id, "paid")
        lines.append(_("Top-ups: online demo top-up of {amount} for {name} ({status}).").format(
            amount=formatting.money(250_00), name=organisation.name, status=status_text(str(payment.status))))
    except ImmoConnectError as error:  # the sandbox may be disabled in plugins.toml
        lines.append(_("Top-ups: no online demo top-up ({reason})").format(reason=error.message))
    communication = ogm.compact(platform.wallet.structured_communication(organisation.id))
    statement = _STATEMENT.format(iban=platform.bank.receiving_accounts()[0], communication=communication)
    report = platform.bank.import_statement(statement.encode(), filename="demo-statement.xml", operator="demo")
    lines.append(_("Top-ups: demo bank statement imported ({credited} credited, {suspense} in suspense, "
                   "{duplicate} already there).").format(credited=report.count("credited"),
                                                       suspense=report.count("suspense"),
                                                       duplicate=report.count("duplicate")))
    return lines
