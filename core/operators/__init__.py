"""The operators' back office: roles on ordinary accounts, finding accounts, help and money.

``platform.operators`` (:class:`~immo_connect.operators.service.OperatorService`) is the one
entry point; every action re-reads the operator's role, refuses the operator's own account
and organisations, writes its audit event with the reason and what changed, and tells the
account's owner by mail. See docs/operators.md.
"""
