"""What a statement parser produces: the credits and debits it read, and what it could not."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re

from immo_connect.formats import ogm
from immo_connect.i18n import N_

# Why an entry cannot be credited automatically. The texts are translated when reported.
PROBLEMS: dict[str, str] = {
    "unreadable": N_("the line cannot be read"),
    "no_communication": N_("no structured communication"),
    "invalid_communication": N_("the structured communication fails its check digits"),
    "no_wallet": N_("no wallet has this structured communication"),
    "currency": N_("not in euros"),
}

# A structured communication written in free text: the 3/4/5 digit groups with optional
# separators (inside +++ or *** or not), never a piece of a longer number.
_FREE_OGM = re.compile(
    r"(?<!\d)(\d{3})\s*[/.\-]?\s*(\d{4})\s*[/.\-]?\s*(\d{5})(?!\d)"
)
_MARKED_OGM = re.compile(r"(?:\+{3}|\*{3})[\d\s/.\-]{10,20}(?:\+{3}|\*{3})")


@dataclasses.dataclass(slots=True)
class StatementEntry:
    """One movement on the platform's account, as the bank reported it.

    ``reference`` is the bank's own reference for the entry; together with the account,
    booking date and amount it makes :attr:`key`, which is what makes an import
    idempotent (the same transfer in a CODA file and in a camt.053 file has the same key
    when the bank gives both the same reference). ``problem`` is empty for a readable
    entry, else one of :data:`PROBLEMS`.
    """

    format: str  # "coda" or "camt053"
    account: str  # IBAN of the statement's account, "" when unknown
    reference: str
    position: str  # where in the file, for the operator: "line 12" / "entry 3"
    credit: bool
    amount_cents: int | None
    currency: str = "EUR"
    booking_date: dt.date | None = None
    value_date: dt.date | None = None
    communication: str | None = None  # the twelve digits of a valid structured communication
    communication_text: str = ""  # what the payer wrote, for the operator
    counterparty_name: str = ""
    counterparty_iban: str = ""
    booked: bool = True
    problem: str = ""
    raw: str = ""
    statement: int = 0  # index of its account statement in :attr:`Statement.statements`
    transaction_code: str = ""  # CODA family + transaction (e.g. "0150"), camt domain/family/sub-family
    returned: str = ""  # a return or recall of an earlier transfer: "return", "reversal", …
    return_reason: str = ""  # the ISO reason code given with it (e.g. "AC04", "MD06")

    @property
    def key(self) -> str:
        if self.problem == "unreadable" or self.amount_cents is None:
            digest = hashlib.sha256(self.raw.encode("utf-8")).hexdigest()[:32]
            return f"{self.account or '?'}|unreadable|{digest}"
        date = self.booking_date.isoformat() if self.booking_date else "-"
        return f"{self.account or '?'}|{self.reference}|{date}|{self.amount_cents}"


@dataclasses.dataclass
class AccountStatement:
    """One account's statement inside a file (a CODA logical file, a camt.053 ``Stmt``).

    What the bank says the statement moved, for the reconciliation before anything is
    credited: balances, the totals of its booked top-level movements (``movement_*``, as
    read) and those it declares itself (``declared_*``: CODA record 9, camt ``TxsSummry``).
    ``problems`` are what the parser found that makes the statement unreliable as a whole
    (a detail breakdown that does not add up, an amount that cannot be read, a missing record).
    """

    format: str
    position: str
    account: str = ""
    currency: str = "EUR"
    label: str = ""  # the bank's number or id of the statement, for people
    year: int | None = None
    sequence: int | None = None
    opening_cents: int | None = None
    closing_cents: int | None = None
    opening_date: dt.date | None = None
    closing_date: dt.date | None = None
    movement_credits: int = 0
    movement_debits: int = 0
    declared_credits: int | None = None
    declared_debits: int | None = None
    problems: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Statement:
    """The entries of one file, plus warnings about records that hold no money."""

    format: str
    entries: list[StatementEntry] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    accounts: list[str] = dataclasses.field(default_factory=list)
    statements: list[AccountStatement] = dataclasses.field(default_factory=list)


def iban_of(account: str) -> str:
    """The IBAN of a statement's account: a Belgian 12-digit account number becomes its IBAN."""
    compact = account.replace(" ", "").replace("-", "").upper()
    if len(compact) == 12 and compact.isdigit():
        check = 98 - int(compact + "111400") % 97  # B=11, E=14, then "00"
        return f"BE{check:02d}{compact}"
    return compact


def find_communication(text: str) -> tuple[str | None, str]:
    """A structured communication in free text: ``(twelve digits | None, problem)``.

    The problem is ``invalid_communication`` when something written like one (between
    ``+++`` or ``***``) fails its check digits, else ``no_communication``.
    """
    for match in _FREE_OGM.finditer(text or ""):
        digits = "".join(match.groups())
        if ogm.parse(digits):
            return digits, ""
    if _MARKED_OGM.search(text or ""):
        return None, "invalid_communication"
    return None, "no_communication"


def structured(candidate: str) -> tuple[str | None, str]:
    """A communication given as structured by the bank: valid digits, or the problem."""
    if len(candidate) == 12 and candidate.isdigit() and candidate.isascii():
        # The usual case, checked directly (statements hold thousands of them).
        valid = int(candidate[:10]) != 0 and ogm.check_digits(candidate[:10]) == candidate[10:]
        return (candidate, "") if valid else (None, "invalid_communication")
    digits = ogm.parse(candidate)
    if digits:
        return digits, ""
    return None, "invalid_communication"
