"""Wallets: one per organisation, in euro cents, with an immutable double-entry ledger
(each transaction row is its own posting and its own audit record).

Use it through ``platform.wallet`` (:class:`~immo_connect.wallet.service.WalletService`);
``docs/wallet.md`` describes the API for tool and payment plugins.
"""

from __future__ import annotations

from immo_connect.wallet.models import Wallet, WalletTransaction

Transaction = WalletTransaction

__all__ = ["Transaction", "Wallet", "WalletTransaction"]
