"""The ledger's invariants, checked on the whole database (``immo-connect wallet verify``, tests).

1. A balance goes below zero only by money taken back (a ``reversal`` row): no other
   succeeded debit ends below zero.
2. Each wallet's balance equals the sum of its postings (credits minus debits), so the sum of
   all balances equals the sum of all postings into and out of wallets. A posting is the
   ``debit_account`` / ``credit_account`` pair of a transaction row, for ``abs(amount)``.
3. Each wallet's numbered transactions run 1..last_number without gaps; each one starts from
   the balance the previous one ended with; the first starts from zero; the last ends on the
   wallet's balance; a succeeded one moves exactly its amount, a failed one nothing.
4. Each succeeded movement has its posting, between two different accounts, one of them its
   own wallet (a transfer's posting is on its outgoing row, the incoming row has none);
   failed and pending rows have none.
5. Each take-back (a ``reversal`` row with a negative amount) points at a succeeded top-up
   (``online_topup`` or ``bank_transfer``) of its own wallet and sends the money back to the
   account that top-up came from; each give-back (positive amount) points at a take-back of
   its wallet and returns exactly its amount; no top-up is taken back beyond its amount.

Each check is one aggregate query, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from immo_connect.i18n import _
from immo_connect.storage import database

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
  SELECT wallet_id, number, balance_before, balance_after, amount, status, kind,
         LAG(balance_after, 1, 0) OVER (PARTITION BY wallet_id ORDER BY number) AS previous_after
  FROM wallet_transaction WHERE number IS NOT NULL
) chain
WHERE balance_before <> previous_after
   OR (status = 'succeeded' AND balance_after <> balance_before + amount)
   OR (status <> 'succeeded' AND balance_after <> balance_before)
   OR (balance_after < 0 AND status = 'succeeded' AND amount < 0 AND kind <> 'reversal')
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
  WHEN status = 'succeeded' AND NOT (kind = 'transfer' AND counterpart_transaction_id IS NOT NULL) THEN
    debit_account IS NULL OR credit_account IS NULL OR debit_account = credit_account
    OR (amount > 0 AND credit_account <> 'wallet:' || wallet_id)
    OR (amount < 0 AND debit_account <> 'wallet:' || wallet_id)
  ELSE debit_account IS NOT NULL OR credit_account IS NOT NULL
END
"""


# Take-backs and give-backs and what they point at.
_REVERSAL_LINKS = """
SELECT r.id, r.amount, o.id, o.kind, o.amount FROM wallet_transaction r
LEFT JOIN wallet_transaction o ON o.id = r.counterpart_transaction_id
WHERE r.kind = 'reversal' AND r.status = 'succeeded' AND (
  o.id IS NULL OR o.wallet_id <> r.wallet_id OR o.status <> 'succeeded'
  OR (r.amount < 0 AND (o.kind NOT IN ('online_topup', 'bank_transfer')
                        OR r.credit_account <> (CASE o.kind WHEN 'online_topup' THEN 'platform:online_topups'
                                                ELSE 'platform:bank_transfers' END)))
  OR (r.amount > 0 AND (o.kind <> 'reversal' OR o.amount <> -r.amount))
)
"""

_OVER_TAKEN = """
SELECT o.id, o.amount, SUM(-r.amount - COALESCE(g.amount, 0)) FROM wallet_transaction r
JOIN wallet_transaction o ON o.id = r.counterpart_transaction_id
LEFT JOIN wallet_transaction g ON g.counterpart_transaction_id = r.id AND g.kind = 'reversal'
  AND g.status = 'succeeded' AND g.amount > 0
WHERE r.kind = 'reversal' AND r.status = 'succeeded' AND r.amount < 0
GROUP BY o.id, o.amount
HAVING SUM(-r.amount - COALESCE(g.amount, 0)) > o.amount
"""


def verify() -> list[str]:
    """Every broken invariant as one line, in the reader's language (amounts in cents, as the
    postings hold them); an empty list means the ledger is sound."""
    from immo_connect.wallet.texts import kind_label, status_label

    db = database.obj
    problems: list[str] = []
    for wallet_id, balance, postings in db.execute_sql(_BALANCES).fetchall():
        problems.append(_("wallet {wallet}: balance {balance} but postings sum to {postings}").format(
            wallet=wallet_id, balance=balance, postings=postings))
    for wallet_id, last, count, highest in db.execute_sql(_COUNTS).fetchall():
        problems.append(_("wallet {wallet}: last number {last} but {count} numbered rows up to {highest}").format(
            wallet=wallet_id, last=last, count=count, highest=highest))
    for wallet_id, number, before, previous, after, amount, status in db.execute_sql(_CHAIN).fetchall():
        problems.append(_("wallet {wallet} #{number}: {status} {amount} from {before} to {after}, previous ended "
                          "at {previous}").format(wallet=wallet_id, number=number, status=status_label(status),
                                                  amount=amount, before=before, after=after, previous=previous))
    for wallet_id, balance, after in db.execute_sql(_LAST).fetchall():
        problems.append(_("wallet {wallet}: balance {balance} but last transaction ends at {after}").format(
            wallet=wallet_id, balance=balance, after=after))
    for tx_id, status, amount, debit, credit in db.execute_sql(_POSTINGS).fetchall():
        problems.append(_("transaction {id} ({status}, {amount}): posting from {debit} to {credit}").format(
            id=tx_id, status=status_label(status), amount=amount, debit=debit, credit=credit))
    for tx_id, amount, other, kind, other_amount in db.execute_sql(_REVERSAL_LINKS).fetchall():
        problems.append(_("transaction {id} ({kind}, {amount}): points at {other} ({other_kind}, {other_amount})")
                        .format(id=tx_id, kind=kind_label("reversal"), amount=amount, other=other,
                                other_kind=kind_label(kind), other_amount=other_amount))
    for top_up, amount, taken in db.execute_sql(_OVER_TAKEN).fetchall():
        problems.append(_("top-up {id} of {amount}: {taken} taken back").format(id=top_up, amount=amount, taken=taken))
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
