"""Amounts as people read them, and as they type them (read the same way as in the wallet's forms)."""

from __future__ import annotations

from immo_connect.wallet import texts as wallet_texts
from immo_connect.wallet.forms import parse_euros as parse_amount

__all__ = ["euros", "parse_amount"]


def euros(cents: int) -> str:
    """``1 234,56 EUR``: the wallet's notation of amounts, with the currency."""
    return f"{wallet_texts.euros(cents)} EUR"
