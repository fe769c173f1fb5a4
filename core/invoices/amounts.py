"""The amounts of an invoice, exact to the cent, by the rounding rules of EN 16931.

The wallet charges prices that include VAT; an invoice states net amounts and adds VAT per
rate. Everything is :class:`~decimal.Decimal` or integer cents, never a float:

* per VAT rate, the gross total ``G`` that the ledger took is split into the net taxable
  amount ``N`` and the VAT ``round(N × rate)`` (rounded half up to the cent, BR-CO-17) so
  that ``N + VAT`` is as close to ``G`` as cents allow (usually equal; at most one cent off,
  which becomes the invoice's rounding amount BT-114);
* ``N`` is shared among the lines of that rate in proportion to their gross amounts, each
  line net (BT-131) in whole cents, the leftover cents going to the largest remainders, so
  the lines add up to ``N`` exactly (BR-CO-10, BR-S-08);
* a line's unit price (BT-146) is its net amount divided by its quantity, with enough
  decimals that quantity × price gives the line's net amount back within half a cent
  (Peppol rule R120 allows two).

The organisation has already paid the gross amounts from its prepaid wallet: the paid amount
(BT-113) is ``G`` and the amount due (BT-115) is zero.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def to_cents(amount: Decimal) -> int:
    """``amount`` (euros with at most two decimals) as whole cents."""
    return int((amount * HUNDRED).to_integral_value(rounding=ROUND_HALF_UP))


def euros(cents: int) -> Decimal:
    """Whole cents as euros with exactly two decimals."""
    return (Decimal(cents) / HUNDRED).quantize(CENT)


def vat_of(net_cents: int, rate: Decimal) -> int:
    """VAT on a taxable amount, rounded half up to the cent (EN 16931 BR-CO-17)."""
    return int((Decimal(net_cents) * rate / HUNDRED).to_integral_value(rounding=ROUND_HALF_UP))


def category_of(rate: Decimal) -> str:
    """The VAT category code (UNCL5305): standard rated, or zero rated for 0 %."""
    return "S" if rate > 0 else "Z"


@dataclasses.dataclass(frozen=True)
class GrossLine:
    """What the ledger says about one line: ``quantity`` uses at ``unit_gross_cents`` each."""

    tool: str
    name: str
    unit_gross_cents: int
    quantity: int
    vat_rate: Decimal
    usage_mode: str | None = None  # a tool's line: the usage mode, None when the ledger has none

    @property
    def gross_cents(self) -> int:
        return self.unit_gross_cents * self.quantity


@dataclasses.dataclass(frozen=True)
class Line:
    """One invoice line as invoiced: net amount in cents and the unit net price."""

    tool: str
    name: str
    quantity: int
    unit_gross_cents: int
    vat_rate: Decimal
    net_cents: int
    unit_price: Decimal
    usage_mode: str | None = None

    @property
    def category(self) -> str:
        return category_of(self.vat_rate)


@dataclasses.dataclass(frozen=True)
class VatSubtotal:
    rate: Decimal
    taxable_cents: int
    vat_cents: int

    @property
    def category(self) -> str:
        return category_of(self.rate)


@dataclasses.dataclass(frozen=True)
class Totals:
    lines: tuple[Line, ...]
    subtotals: tuple[VatSubtotal, ...]
    net_cents: int  # BT-106 = BT-109 (no document-level allowances or charges)
    vat_cents: int  # BT-110
    tax_inclusive_cents: int  # BT-112
    paid_cents: int  # BT-113: the gross amounts taken from the wallet
    rounding_cents: int  # BT-114
    payable_cents: int  # BT-115


def net_for_gross(gross_cents: int, rate: Decimal) -> int:
    """The net amount whose net + VAT comes closest to ``gross_cents`` (the lower on a tie)."""
    guess = int((Decimal(gross_cents) * HUNDRED / (HUNDRED + rate)).to_integral_value(rounding=ROUND_HALF_UP))
    candidates = (guess - 1, guess, guess + 1)
    return min(candidates, key=lambda net: (abs(net + vat_of(net, rate) - gross_cents), net != guess, net))


def unit_price(net_cents: int, quantity: int) -> Decimal:
    """``net / quantity`` with enough decimals that ``quantity × price`` stays within half a cent."""
    decimals = max(2, len(str(quantity)) + 2)
    exact = Decimal(net_cents) / HUNDRED / Decimal(quantity)
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _share(total_net: int, lines: Sequence[GrossLine]) -> list[int]:
    """``total_net`` cents shared in proportion to the lines' gross amounts (largest remainders)."""
    gross = sum(line.gross_cents for line in lines)
    if gross == 0:
        return [0 for _line in lines]
    exact = [Decimal(line.gross_cents) * total_net / gross for line in lines]
    shares = [int(value.to_integral_value(rounding=ROUND_FLOOR)) for value in exact]
    left = total_net - sum(shares)
    by_remainder = sorted(range(len(lines)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in by_remainder[:left]:
        shares[index] += 1
    return shares


def compute(gross_lines: Iterable[GrossLine]) -> Totals:
    """The invoice's lines and totals for what the ledger took (see the module's docstring)."""
    ordered = [line for line in gross_lines if line.quantity > 0]
    rates = sorted({line.vat_rate for line in ordered}, reverse=True)
    nets: dict[int, int] = {}
    subtotals: list[VatSubtotal] = []
    for rate in rates:
        indices = [i for i, line in enumerate(ordered) if line.vat_rate == rate]
        of_rate = [ordered[i] for i in indices]
        taxable = net_for_gross(sum(line.gross_cents for line in of_rate), rate)
        for index, share in zip(indices, _share(taxable, of_rate), strict=True):
            nets[index] = share
        subtotals.append(VatSubtotal(rate, taxable, vat_of(taxable, rate)))
    lines = tuple(
        Line(line.tool, line.name, line.quantity, line.unit_gross_cents, line.vat_rate, nets[i],
             unit_price(nets[i], line.quantity), line.usage_mode)
        for i, line in enumerate(ordered)
    )
    net = sum(subtotal.taxable_cents for subtotal in subtotals)
    vat = sum(subtotal.vat_cents for subtotal in subtotals)
    paid = sum(line.gross_cents for line in ordered)
    rounding = paid - (net + vat)
    return Totals(lines, tuple(subtotals), net, vat, net + vat, paid, rounding, net + vat - paid + rounding)
