"""The amounts of an invoice, exact to the cent (EN 16931 rounding), for any month of use."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from immo_connect.invoices.amounts import GrossLine, compute, net_for_gross, vat_of

RATES = [Decimal(rate) for rate in ("21", "12", "6", "0", "5.5")]
lines = st.lists(
    st.builds(GrossLine, tool=st.sampled_from(["a", "b", "c"]), name=st.just("x"),
              unit_gross_cents=st.integers(1, 500_000), quantity=st.integers(1, 100_000),
              vat_rate=st.sampled_from(RATES)),
    min_size=1, max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(lines)
def test_the_invoice_adds_up_to_what_the_ledger_took(gross_lines: list[GrossLine]) -> None:
    totals = compute(gross_lines)
    taken = sum(line.gross_cents for line in gross_lines)
    assert totals.paid_cents == taken
    assert totals.net_cents + totals.vat_cents + totals.rounding_cents == taken
    assert totals.payable_cents == 0
    assert abs(totals.rounding_cents) <= len(totals.subtotals)  # at most one cent per rate
    for subtotal in totals.subtotals:
        of_rate = [line for line in totals.lines if line.vat_rate == subtotal.rate]
        assert sum(line.net_cents for line in of_rate) == subtotal.taxable_cents  # BR-S-08, exactly
        exact = Decimal(subtotal.taxable_cents) * subtotal.rate / 100
        assert subtotal.vat_cents == int(exact.to_integral_value(rounding=ROUND_HALF_UP))  # BR-CO-17
    for line in totals.lines:
        assert abs(line.quantity * line.unit_price * 100 - line.net_cents) <= Decimal("0.5")  # R120: half a cent
        gross = line.unit_gross_cents * line.quantity
        assert abs(line.net_cents - Decimal(gross) * 100 / (100 + line.vat_rate)) < 2


def test_the_split_of_a_gross_amount_is_the_closest_one() -> None:
    assert (net_for_gross(150, Decimal(21)), vat_of(124, Decimal(21))) == (124, 26)  # 1,24 + 0,26 = 1,50
    # 0,01 EUR VAT included at 21 %: a net of 0,01 and no VAT is the closest split.
    assert compute([GrossLine("t", "x", 1, 1, Decimal(21))]).rounding_cents == 0
    for gross in range(1, 5_000):
        net = net_for_gross(gross, Decimal(21))
        assert abs(net + vat_of(net, Decimal(21)) - gross) <= 1
