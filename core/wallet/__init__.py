"""Wallets: one per organisation, in euro cents, with an immutable double-entry ledger.

Use it through ``platform.wallet`` (:class:`~immo_connect.wallet.service.WalletService`);
``docs/wallet.md`` describes the API for tool and payment plugins.
"""

from __future__ import annotations

from immo_connect.wallet.models import Posting, Wallet, WalletTransaction

Transaction = WalletTransaction

__all__ = ["Posting", "Transaction", "Wallet", "WalletTransaction"]
