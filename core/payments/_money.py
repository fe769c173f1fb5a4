"""Amounts as people read them, and as they type them (read the same way as in the wallet's forms)."""

from __future__ import annotations

from immo_connect import formatting
from immo_connect.wallet.forms import parse_euros as parse_amount

__all__ = ["euros", "parse_amount"]


def euros(cents: int) -> str:
    """An amount with the currency, in the reader's language: ``1 234,56 €``, ``€1,234.56``."""
    return formatting.money(cents)
