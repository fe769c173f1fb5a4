"""The ledger's invariants, checked on the whole database (``immo-connect wallet verify``, tests).

1. No wallet balance is below zero.
2. Each wallet's balance equals the sum of its postings (credits minus debits), so the sum of
   all balances equals the sum of all postings into and out of wallets. A posting is the
   ``debit_account`` / ``credit_account`` pair of a transaction row, for ``abs(amount)``.
3. Each wallet's numbered transactions run 1..last_number without gaps; each one starts from
   the balance the previous one ended with; the first starts from zero; the last ends on the
   wallet's balance; a succeeded one moves exactly its amount, a failed one nothing.
4. Each succeeded movement has its posting, between two different accounts, one of them its
   own wallet (a transfer's posting is on its outgoing row, the incoming row has none);
   failed and pending rows have none.

Each check is one aggregate query, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from immo_connect.storage import database

_NEGATIVE = "SELECT id, balance FROM wallet WHERE balance < 0"

_BALANCES = """
SELECT w.id, w.balance, COALESCE(c.total, 0) - COALESCE(d.total, 0)
FROM wallet w
LEFT JOIN (SELECT credit_account AS account, SUM(ABS(amount)) AS total FROM wallet_transaction
           WHERE credit_account IS NOT NULL GROUP BY credit_account) c ON c.account = 'wallet:' || w.id
LEFT JOIN (SELECT debit_account AS account, SUM(ABS(amount)) AS total FROM wallet_transaction
           WHERE debit_account IS NOT NULL GROUP BY debit_account) d ON d.account = 'wallet:' || w.id
WHERE w.balance <> COALESCE(c.total, 0) - COALESCE(d.total, 0)
"""

_COUNTS = """
SELECT w.id, w.last_number, COUNT(t.id), COALESCE(MAX(t.number), 0)
FROM wallet w LEFT JOIN wallet_transaction t ON t.wallet_id = w.id AND t.number IS NOT NULL
GROUP BY w.id, w.last_number
HAVING COUNT(t.id) <> w.last_number OR COALESCE(MAX(t.number), 0) <> w.last_number
"""

_CHAIN = """
SELECT wallet_id, number, balance_before, previous_after, balance_after, amount, status FROM (
  SELECT wallet_id, number, balance_before, balance_after, amount, status,
         LAG(balance_after, 1, 0) OVER (PARTITION BY wallet_id ORDER BY number) AS previous_after
  FROM wallet_transaction WHERE number IS NOT NULL
) chain
WHERE balance_before <> previous_after
   OR (status = 'succeeded' AND balance_after <> balance_before + amount)
   OR (status <> 'succeeded' AND balance_after <> balance_before)
   OR balance_after < 0
"""

_LAST = """
SELECT w.id, w.balance, t.balance_after FROM wallet w
JOIN wallet_transaction t ON t.wallet_id = w.id AND t.number = w.last_number
WHERE t.balance_after <> w.balance
"""

# The row's own wallet is the credited account of money coming in, the debited one of money
# going out; a transfer's incoming row (counterpart_transaction_id set) carries no posting.
_POSTINGS = """
SELECT id, status, amount, debit_account, credit_account FROM wallet_transaction
WHERE CASE
  WHEN status = 'succeeded' AND counterpart_transaction_id IS NULL THEN
    debit_account IS NULL OR credit_account IS NULL OR debit_account = credit_account
    OR (amount > 0 AND credit_account <> 'wallet:' || wallet_id)
    OR (amount < 0 AND debit_account <> 'wallet:' || wallet_id)
  ELSE debit_account IS NOT NULL OR credit_account IS NOT NULL
END
"""


def verify() -> list[str]:
    """Every broken invariant as one line; an empty list means the ledger is sound."""
    db = database.obj
    problems: list[str] = []
    for wallet_id, balance in db.execute_sql(_NEGATIVE).fetchall():
        problems.append(f"wallet {wallet_id}: negative balance {balance}")
    for wallet_id, balance, postings in db.execute_sql(_BALANCES).fetchall():
        problems.append(f"wallet {wallet_id}: balance {balance} but postings sum to {postings}")
    for wallet_id, last, count, highest in db.execute_sql(_COUNTS).fetchall():
        problems.append(
            f"wallet {wallet_id}: last number {last} but {count} numbered rows up to {highest}"
        )
    for wallet_id, number, before, previous, after, amount, status in db.execute_sql(_CHAIN).fetchall():
        problems.append(
            f"wallet {wallet_id} #{number}: {status} {amount} from {before} to {after}, "
            f"previous ended at {previous}"
        )
    for wallet_id, balance, after in db.execute_sql(_LAST).fetchall():
        problems.append(f"wallet {wallet_id}: balance {balance} but last transaction ends at {after}")
    for tx_id, status, amount, debit, credit in db.execute_sql(_POSTINGS).fetchall():
        problems.append(f"transaction {tx_id} ({status}, {amount}): posting from {debit} to {credit}")
    return problems


def platform_accounts() -> dict[str, int]:
    """The balance of every ledger account (credits minus debits); the values sum to zero."""
    db = database.obj
    totals: dict[str, int] = {}
    for account, total in db.execute_sql(
        "SELECT credit_account, SUM(ABS(amount)) FROM wallet_transaction "
        "WHERE credit_account IS NOT NULL GROUP BY credit_account"
    ).fetchall():
        totals[account] = totals.get(account, 0) + int(total)
    for account, total in db.execute_sql(
        "SELECT debit_account, SUM(ABS(amount)) FROM wallet_transaction "
        "WHERE debit_account IS NOT NULL GROUP BY debit_account"
    ).fetchall():
        totals[account] = totals.get(account, 0) - int(total)
    return totals
