"""Online top-ups of wallets: ``platform.payments`` (see ``service.py`` and docs/payments.md).

Payment methods are plugins (``immo_connect.contracts.PaymentMethod``); this package keeps the
platform's record of each payment, follows it at its provider and credits the wallet once.
"""
