"""What the ledger holds for one month: the lines of every organisation's invoice and credit note.

A month is a calendar month in Belgian time. One grouped query per kind of line reads the
whole month for every organisation at once (the same work as summing it), so invoicing a
month costs little more than reading it.

What is invoiced depends on when VAT is due on the prepaid wallet (``[invoices] vat_on``):

* ``use`` (default): each successful use of a tool, grouped per tool, usage mode and unit
  price; money an operator gives back (a correction that credits the wallet) is credited on a
  credit note. Charges stored before the ledger recorded the usage mode (and charges a plugin
  made without one) form the line « mode inconnu » of their tool and price.
* ``topup``: each top-up that came in (online or by bank transfer), grouped per kind and
  amount; money of a top-up taken back (a chargeback, a refund) is credited on a credit note.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

import peewee

from immo_connect.config import InvoicesSection
from immo_connect.errors import ValidationError
from immo_connect.i18n import _
from immo_connect.invoices.amounts import GrossLine
from immo_connect.wallet._views import local_day_start, to_local
from immo_connect.wallet.models import (
    KIND_BANK_TRANSFER,
    KIND_CORRECTION,
    KIND_ONLINE_TOPUP,
    KIND_REVERSAL,
    KIND_TOOL,
    STATUS_SUCCEEDED,
    Wallet,
    WalletTransaction,
)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclasses.dataclass(frozen=True)
class Period:
    month: str  # YYYY-MM
    first_day: dt.date
    last_day: dt.date
    start: dt.datetime  # naive UTC, included
    end: dt.datetime  # naive UTC, excluded

    @classmethod
    def of(cls, month: str, now: dt.datetime) -> Period:
        """The month ``YYYY-MM``; refused unless it is over (in Belgian time) at ``now``."""
        match = _MONTH.match(month.strip())
        hint = _("Give a month that is over as YYYY-MM, for example 2026-11.")
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
            raise ValidationError(_("{month!r} is not a month.").format(month=month), hint=hint,
                                  field="month", code="month_invalid")
        first = dt.date(int(match.group(1)), int(match.group(2)), 1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        period = cls(first.strftime("%Y-%m"), first, following - dt.timedelta(days=1),
                     local_day_start(first), local_day_start(following))
        if period.end > now:
            raise ValidationError(
                _("The month {month} is not over yet; it can be invoiced from the 1st of the next month.").format(
                    month=period.month),
                hint=hint, field="month", code="month_not_over")
        return period

    @classmethod
    def previous(cls, now: dt.datetime) -> Period:
        """The last month that is over at ``now`` (what the scheduler invoices on the 1st)."""
        this_month = to_local(now).date().replace(day=1)
        return cls.of((this_month - dt.timedelta(days=1)).strftime("%Y-%m"), now)


Lines = dict[int, list[GrossLine]]  # organisation id -> lines


def _grouped(period: Period, kinds: tuple[str, ...], *, negative: bool, by_description: bool = False
             ) -> list[tuple[int, str, str, int, int]]:
    """(organisation, kind or tool, description, amount in cents > 0, count) for the month."""
    tx = WalletTransaction
    sign = tx.amount < 0 if negative else tx.amount > 0
    what = peewee.fn.COALESCE(peewee.fn.NULLIF(tx.tool, ""), tx.kind)
    keys = [Wallet.organisation, what, *([tx.description] if by_description else []), tx.amount]
    query = (
        tx.select(*keys, peewee.fn.COUNT(tx.id))
        .join(Wallet, on=(tx.wallet == Wallet.id))
        .where(tx.kind.in_(kinds) & (tx.status == STATUS_SUCCEEDED) & sign
               & (tx.created_at >= period.start) & (tx.created_at < period.end))
        .group_by(*keys)
        .order_by(*keys)
        .tuples()
    )
    found: Any = list(query)
    rows = [(*row[:2], row[2] if by_description else "", *row[-2:]) for row in found]
    return [(int(org), str(kind), str(text or ""), abs(int(cents)), int(count))
            for org, kind, text, cents, count in rows]


def _tool_uses(period: Period) -> list[tuple[int, str, str | None, int, int]]:
    """(organisation, tool, usage mode or None, unit price in cents > 0, count) for the month,
    in the same order on every engine (they sort NULL differently)."""
    tx = WalletTransaction
    keys = [Wallet.organisation, tx.tool, tx.usage_mode, tx.amount]
    query = (
        tx.select(*keys, peewee.fn.COUNT(tx.id))
        .join(Wallet, on=(tx.wallet == Wallet.id))
        .where((tx.kind == KIND_TOOL) & (tx.status == STATUS_SUCCEEDED) & (tx.amount < 0)
               & (tx.created_at >= period.start) & (tx.created_at < period.end))
        .group_by(*keys)
        .tuples()
    )
    found: Any = list(query)
    rows = [(int(org), str(tool), None if mode is None else str(mode), -int(cents), int(count))
            for org, tool, mode, cents, count in found]
    return sorted(rows, key=lambda row: (row[0], row[1], row[2] or "", row[3]))


class Gatherer:
    """Turns the month's ledger rows into invoice lines, named in the current language."""

    def __init__(self, settings: InvoicesSection, tool_names: dict[str, str],
                 action_names: dict[tuple[str, int], str],
                 mode_names: dict[tuple[str, str], str] | None = None) -> None:
        self.settings = settings
        self.tool_names = tool_names  # tool -> its title
        self.action_names = action_names  # (tool, price in cents) -> the priced action's title
        self.mode_names = mode_names or {}  # (tool, usage mode) -> the mode's title

    def rate(self, tool: str = "") -> Decimal:
        rate = self.settings.tool_vat_rates.get(tool, self.settings.vat_rate) if tool else self.settings.vat_rate
        return Decimal(str(rate))

    def _tool_line(self, tool: str, mode: str | None, cents: int, count: int) -> GrossLine:
        title = self.tool_names.get(tool, tool)
        action = self.action_names.get((tool, cents))
        name = f"{title} — {action}" if action else title
        # A mode the tool no longer declares keeps its id; a charge without one says so.
        mode_name = self.mode_names.get((tool, mode), mode) if mode is not None else _("usage mode unknown")
        return GrossLine(tool, f"{name} ({mode_name})", cents, count, self.rate(tool), usage_mode=mode)

    def invoice_lines(self, period: Period) -> Lines:
        found: Lines = defaultdict(list)
        if self.settings.vat_on == "use":
            for org, tool, mode, cents, count in _tool_uses(period):
                found[org].append(self._tool_line(tool, mode, cents, count))
            return found
        names = {KIND_ONLINE_TOPUP: _("Wallet top-up (online payment)"),
                 KIND_BANK_TRANSFER: _("Wallet top-up (bank transfer)"),
                 KIND_REVERSAL: _("Top-up money given back")}
        for org, kind, _text, cents, count in _grouped(
                period, (KIND_ONLINE_TOPUP, KIND_BANK_TRANSFER, KIND_REVERSAL), negative=False):
            found[org].append(GrossLine(kind, names[kind], cents, count, self.rate()))
        return found

    def credit_lines(self, period: Period) -> Lines:
        found: Lines = defaultdict(list)
        if self.settings.vat_on == "use":
            for org, _kind, text, cents, count in _grouped(period, (KIND_CORRECTION,), negative=False,
                                                           by_description=True):
                name = _("Correction: {description}").format(description=text) if text else _("Correction")
                found[org].append(GrossLine(KIND_CORRECTION, name, cents, count, self.rate()))
            return found
        for org, _kind, text, cents, count in _grouped(period, (KIND_REVERSAL,), negative=True,
                                                       by_description=True):
            name = _("Top-up taken back: {description}").format(description=text) if text else _("Top-up taken back")
            found[org].append(GrossLine(KIND_REVERSAL, name, cents, count, self.rate()))
        return found
