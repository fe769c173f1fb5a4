"""The organisation's wallet: transactions, top-ups, transfers, refunds."""
