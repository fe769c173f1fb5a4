"""A hypothesis state machine drives the wallet and compares it with a simple model.

The model is a dict of balances plus the transaction each idempotency key produced. After
every step the database must agree with it and the ledger invariants must hold (a balance
below zero only through money taken back, balances equal postings, keys used once, chains
without gaps, take-backs within their top-ups). Runs on SQLite and
on PostgreSQL, a fresh database per example.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from immo_connect.config import load_settings
from immo_connect.errors import ConflictError, ValidationError
from immo_connect.platform import create_platform
from immo_connect.wallet import WalletTransaction
from tests.support.factories import make_account, make_organisation
from tests.support.postgres import PostgresCluster
from tests.support.wallet import balances, ledger_problems

ORGS = 3
amounts = st.integers(min_value=1, max_value=4_000)
orgs = st.integers(min_value=0, max_value=ORGS - 1)


def make_machine(new_url: Callable[[], str]) -> type[RuleBasedStateMachine]:
    class WalletMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.folder = tempfile.mkdtemp(prefix="wallet-model-")
            environ = {"IMMO_CONNECT_DATA_DIR": self.folder}
            self.platform = create_platform(
                load_settings(None, environ=environ, database_url=new_url()),
                environ=environ, load_entrypoints=False,
            )
            self.wallet = self.platform.wallet
            self.counter = itertools.count()
            self.model: dict[int, int] = {}
            self.keys: dict[str, tuple[int, dict[str, Any]]] = {}  # key -> (tx id, request)
            self.pending: list[tuple[int, int, int]] = []  # (tx id, org, amount)
            self.top_ups: dict[int, list[int]] = {}  # tx id -> [org, amount, taken back]
            self.taken: list[tuple[int, int, int]] = []  # take-backs not given back: (tx id, top-up, amount)

        @initialize()
        def scene(self) -> None:
            self.manager = make_account()
            self.orgs = [make_organisation(self.manager).id for _ in range(ORGS)]
            self.model = dict.fromkeys(self.orgs, 0)

        def _key(self) -> str:
            return f"model:{next(self.counter)}"

        def _remember(self, key: str, tx: WalletTransaction, request: dict[str, Any]) -> None:
            assert key not in self.keys
            self.keys[key] = (int(tx.id), request)

        @rule(org=orgs, amount=amounts, kind=st.sampled_from(["online_topup", "bank_transfer", "correction"]))
        def credit(self, org: int, amount: int, kind: str) -> None:
            key = self._key()
            request = {"op": "credit", "org": self.orgs[org], "amount": amount, "kind": kind}
            tx = self.wallet.credit(self.orgs[org], amount, kind=kind, description="Top-up", idempotency_key=key)
            assert tx.status == "succeeded" and tx.balance_after == self.model[self.orgs[org]] + amount
            self.model[self.orgs[org]] += amount
            self._remember(key, tx, request)
            if kind != "correction":
                self.top_ups[int(tx.id)] = [self.orgs[org], amount, 0]

        @precondition(lambda self: bool(self.top_ups))
        @rule(data=st.data(), reason=st.sampled_from(["chargeback", "refund", "transfer_returned"]))
        def take_back(self, data: st.DataObject, reason: str) -> None:
            top_up = data.draw(st.sampled_from(sorted(self.top_ups)))
            organisation, amount, taken = self.top_ups[top_up]
            wanted = data.draw(st.integers(min_value=1, max_value=amount + 10))
            key = self._key()
            request = {"op": "take_back", "org": organisation, "amount": wanted, "top_up": top_up, "reason": reason}
            if wanted > amount - taken:
                with pytest.raises(ValidationError):
                    self._send(request, key, wanted)
                return
            tx = self._send(request, key, wanted)
            assert tx.status == "succeeded"  # even when the balance goes below zero
            assert tx.balance_after == self.model[organisation] - wanted
            self.model[organisation] -= wanted
            self.top_ups[top_up][2] += wanted
            self.taken.append((int(tx.id), top_up, wanted))
            self._remember(key, tx, request)

        @precondition(lambda self: bool(self.taken))
        @rule(data=st.data())
        def give_back(self, data: st.DataObject) -> None:
            tx_id, top_up, amount = self.taken.pop(data.draw(st.integers(0, len(self.taken) - 1)))
            organisation = self.top_ups[top_up][0]
            for _ in range(2):  # again: the same row, no more money
                given = self.wallet.give_back(tx_id, reason="refund_failed", description="Refund failed")
                assert given.balance_after == self.model[organisation] + amount
            self.model[organisation] += amount
            self.top_ups[top_up][2] -= amount

        @rule(org=orgs, amount=amounts)
        def charge(self, org: int, amount: int) -> None:
            key, organisation = self._key(), self.orgs[org]
            tx = self.wallet.charge(self.manager, organisation, amount, tool="btv", description="Use",
                                    idempotency_key=key)
            if self.model[organisation] >= amount:
                assert tx.status == "succeeded"
                self.model[organisation] -= amount
            else:
                assert tx.status == "failed" and tx.failure_reason == "insufficient_funds"
            self._remember(key, tx, {"op": "charge", "org": organisation, "amount": amount})

        @rule(giver=orgs, receiver=orgs, amount=amounts)
        def transfer(self, giver: int, receiver: int, amount: int) -> None:
            if giver == receiver:
                with pytest.raises(ValidationError):
                    self.wallet.transfer(self.manager, self.orgs[giver], self.orgs[receiver], amount,
                                         description="Move", idempotency_key=self._key())
                return
            key, a, b = self._key(), self.orgs[giver], self.orgs[receiver]
            tx = self.wallet.transfer(self.manager, a, b, amount, description="Move", idempotency_key=key)
            if self.model[a] >= amount:
                assert tx.status == "succeeded"
                self.model[a] -= amount
                self.model[b] += amount
            else:
                assert tx.status == "failed"
            self._remember(key, tx, {"op": "transfer", "from": a, "to": b, "amount": amount})

        @precondition(lambda self: bool(self.keys))
        @rule(data=st.data())
        def replay(self, data: st.DataObject) -> None:
            key = data.draw(st.sampled_from(sorted(self.keys)))
            tx_id, request = self.keys[key]
            tx = self._send(request, key, request["amount"])
            assert tx.id == tx_id

        @precondition(lambda self: bool(self.keys))
        @rule(data=st.data())
        def replay_with_other_amount(self, data: st.DataObject) -> None:
            key = data.draw(st.sampled_from(sorted(self.keys)))
            _tx_id, request = self.keys[key]
            with pytest.raises(ConflictError):
                self._send(request, key, request["amount"] + 1)

        def _send(self, request: dict[str, Any], key: str, amount: int) -> WalletTransaction:
            if request["op"] == "credit":
                return self.wallet.credit(request["org"], amount, kind=request["kind"], description="Top-up",
                                          idempotency_key=key)
            if request["op"] == "take_back":
                return self.wallet.take_back(request["org"], amount, original_transaction_id=request["top_up"],
                                             reason=request["reason"], description="Taken back",
                                             idempotency_key=key)
            if request["op"] == "charge":
                return self.wallet.charge(self.manager, request["org"], amount, tool="btv", description="Use",
                                          idempotency_key=key)
            return self.wallet.transfer(self.manager, request["from"], request["to"], amount,
                                        description="Move", idempotency_key=key)

        @rule(org=orgs, amount=st.one_of(st.integers(max_value=0), st.floats(allow_nan=False), st.text(max_size=3)))
        def bad_amount(self, org: int, amount: Any) -> None:
            with pytest.raises(ValidationError):
                self.wallet.charge(self.manager, self.orgs[org], amount, tool="btv", description="Use",
                                   idempotency_key=self._key())

        @rule(org=orgs, amount=amounts)
        def start_pending(self, org: int, amount: int) -> None:
            tx = self.wallet.credit(self.orgs[org], amount, kind="online_topup", description="Card",
                                    idempotency_key=self._key(), pending=True)
            assert tx.status == "pending"
            self.pending.append((int(tx.id), self.orgs[org], amount))

        @precondition(lambda self: bool(self.pending))
        @rule(paid=st.booleans())
        def settle(self, paid: bool) -> None:
            tx_id, organisation, amount = self.pending.pop(0)
            tx = self.wallet.settle(tx_id, succeeded=paid)
            if paid:
                self.model[organisation] += amount
            assert tx.balance_after == self.model[organisation]

        @invariant()
        def database_agrees_with_the_model(self) -> None:
            if self.model:
                assert {org: balances().get(org, 0) for org in self.model} == self.model
                assert ledger_problems() == []

        def teardown(self) -> None:
            if not self.platform.database.is_closed():
                self.platform.database.close()

    return WalletMachine


SETTINGS = settings(max_examples=15, stateful_step_count=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def test_wallet_behaves_like_the_model_on_sqlite(tmp_path: Path) -> None:
    names = itertools.count()
    machine = make_machine(lambda: f"sqlite:///{tmp_path / f'model-{next(names)}.sqlite3'}")
    run_state_machine_as_test(machine, settings=SETTINGS)


@pytest.mark.postgres
def test_wallet_behaves_like_the_model_on_postgres(pg_cluster: PostgresCluster) -> None:
    machine = make_machine(lambda: pg_cluster.create_database("model"))
    run_state_machine_as_test(machine, settings=settings(SETTINGS, max_examples=6))
