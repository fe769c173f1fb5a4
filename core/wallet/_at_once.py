"""A tool's charge in the fewest database round trips (mixed into the wallet service).

Tools charge often, and on PostgreSQL each statement is a round trip to the server, so the
common case (an active member charging a wallet that covers the amount, with a new key)
runs as ONE statement there: a conditional ``UPDATE … RETURNING`` of the balance that also
checks the membership, feeding the ``INSERT`` of the row (``_ledger.charge_member``). Being
one statement it is one transaction: a crash leaves both or neither. A key used before
makes the INSERT fail on its unique index, which undoes the debit; the stored row then
answers the replay. Anything else (a refusal, too low a balance, a first charge before the
wallet exists) falls through to the general path, which finds out why and records it.
"""

from __future__ import annotations

from typing import Any

import peewee

from immo_connect.storage import database, is_postgres, transaction
from immo_connect.wallet import _ledger
from immo_connect.wallet.models import WalletTransaction


class ChargeAtOnce:
    """``_charge_at_once`` and the row built without a read back."""

    def _replay(self, key: str, digest: str) -> WalletTransaction | None:
        raise NotImplementedError  # the service's

    def _posted(self, row: WalletTransaction) -> None:
        raise NotImplementedError  # the service's

    def _charge_at_once(self, values: dict[str, Any], organisation_id: int,
                        amount: int) -> WalletTransaction | None:
        """A member's charge that the wallet covers, in the fewest round trips: the membership
        check, the debit and the row in one statement on PostgreSQL (four on SQLite: BEGIN,
        UPDATE, INSERT, COMMIT); a replay costs one lookup more. None when it did not happen:
        the general path then finds out why and records it (a refusal, a failed row).
        Inside a caller's transaction the general path runs, with its savepoint."""
        if database.obj.in_transaction():
            return None
        try:
            if is_postgres():
                stored = _ledger.charge_member(values, organisation_id, amount, int(values["actor_id"]))
            else:
                with transaction():
                    stored = _ledger.charge_member(values, organisation_id, amount, int(values["actor_id"]))
        except peewee.IntegrityError:  # the key is taken: nothing changed, the stored row answers
            return self._replay(str(values["idempotency_key"]), str(values["request_hash"]))
        if stored is None:
            return None
        row = self._row_as_stored(stored)
        self._posted(row)
        return row

    @staticmethod
    def _row_as_stored(values: dict[str, Any]) -> WalletTransaction:
        """The row as stored, built without a read back (what peewee's Model.__init__ would set)."""
        data = dict(values)
        data["wallet"] = data.pop("wallet_id")
        row: WalletTransaction = WalletTransaction.__new__(WalletTransaction)
        row.__dict__.update({"__data__": data, "_dirty": set(), "__rel__": {}})
        return row

