"""The contract of a payment method (see docs/plugins.md)."""

from __future__ import annotations

from immo_connect.contracts._base import Contribution


class PaymentMethod(Contribution):
    """A way to top up a wallet."""

    title: str = ""
