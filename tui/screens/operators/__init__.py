"""The operators' back office: find accounts, help their owners, and the money desk.

Shown only to accounts with an operator role; every action is checked again in the core
(``platform.operators``), so these screens hold no rules.
"""
