"""In-memory books (orders, payouts, ledger) and Stripe, with the database's rules, for unit tests.

A ``books()`` block is a transaction: on an exception everything it wrote is undone.
"""

from __future__ import annotations

import copy
import itertools
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tests.unit.ledger.fakes import InMemoryLedger
from workflows.fulfilment.ports import RefundResult

if TYPE_CHECKING:
    from collections.abc import Iterator

    from workflows.fulfilment.ports import RefundRequest
    from workflows.orders.model import OrderRecord
    from workflows.payouts.model import PayoutRecord
    from workflows.payouts.ports import Cancellation, Shipment, TransferRequest, TransferState
    from workflows.shared.money import Money


@dataclass
class State:
    orders: dict[str, OrderRecord] = field(default_factory=dict)
    shipments: dict[str, Shipment] = field(default_factory=dict)
    cancellations: dict[str, Cancellation] = field(default_factory=dict)
    disputes: dict[str, int] = field(default_factory=dict)
    payouts: dict[str, PayoutRecord] = field(default_factory=dict)
    transfers: dict[str, tuple[str, str, Money]] = field(default_factory=dict)  # id → (order, entry, amount)
    reversals: dict[str, tuple[str, str, str, Money]] = field(default_factory=dict)


class FakeOrderBook:
    def __init__(self, state: State) -> None:
        self.s = state

    def get(self, order_id: str, *, for_update: bool = False) -> OrderRecord | None:
        return self.s.orders.get(order_id)

    def set_status(self, order_id: str, status: Any) -> None:
        self.s.orders[order_id] = replace(self.s.orders[order_id], status=status)

    def shipment(self, order_id: str) -> Shipment | None:
        return self.s.shipments.get(order_id)

    def add_shipment(self, shipment: Shipment) -> None:
        assert shipment.order_id not in self.s.shipments
        self.s.shipments[shipment.order_id] = shipment

    def mark_delivered(self, order_id: str, *, at: datetime, by: str) -> None:
        self.s.shipments[order_id] = replace(self.s.shipments[order_id], delivered_at=at, delivered_by=by)

    def cancellation(self, order_id: str) -> Cancellation | None:
        return self.s.cancellations.get(order_id)

    def add_cancellation(self, cancellation: Cancellation) -> None:
        assert cancellation.order_id not in self.s.cancellations
        self.s.cancellations[cancellation.order_id] = cancellation

    def open_disputes(self, order_id: str) -> int:
        return self.s.disputes.get(order_id, 0)


class FakePayouts:
    def __init__(self, state: State) -> None:
        self.s = state

    def add(self, payout: PayoutRecord) -> bool:
        if payout.order_id in self.s.payouts:
            return False
        self.s.payouts[payout.order_id] = payout
        return True

    def get(self, order_id: str, *, for_update: bool = False) -> PayoutRecord | None:
        return self.s.payouts.get(order_id)

    def set_status(
        self, order_id: str, status: Any, *, hold_until=None, hold_reason=None, stopped_reason=None
    ) -> None:
        p = self.s.payouts[order_id]
        if p.status != "transferred":
            self.s.payouts[order_id] = replace(
                p,
                status=status,
                hold_until=hold_until,
                hold_reason=hold_reason,
                stopped_reason=stopped_reason,
            )

    def mark_transferred(self, order_id: str, transfer_id: str, *, at: datetime) -> None:
        p = self.s.payouts[order_id]
        if p.transfer_id is None:
            self.s.payouts[order_id] = replace(
                p, status="transferred", transfer_id=transfer_id, transferred_at=at
            )

    def transfer_order(self, transfer_id: str) -> str | None:
        found = self.s.transfers.get(transfer_id)
        return found[0] if found else None

    def add_transfer(self, transfer_id: str, order_id: str, entry_id: str, amount: Money) -> bool:
        if transfer_id in self.s.transfers:
            return False
        self.s.transfers[transfer_id] = (order_id, entry_id, amount)
        return True

    def add_reversal(
        self, reversal_id: str, transfer_id: str, order_id: str, entry_id: str, amount: Money
    ) -> bool:
        if reversal_id in self.s.reversals:
            return False
        self.s.reversals[reversal_id] = (transfer_id, order_id, entry_id, amount)
        return True

    def earlier_sales(self, seller_id: str, paid_at: datetime, order_id: str) -> int:
        return sum(
            1
            for p in self.s.payouts.values()
            if p.seller_id == seller_id
            and p.status != "stopped"
            and (p.paid_at, p.order_id) < (paid_at, order_id)
        )


class FakeBooks:
    """The books factory: ``with books() as b:`` is one all-or-nothing transaction."""

    def __init__(self) -> None:
        self.state = State()
        self.ledger = InMemoryLedger()

    @contextmanager
    def __call__(self) -> Iterator[Any]:
        saved_state, saved_entries = copy.deepcopy(self.state), dict(self.ledger.entries)
        tx = _Tx(FakeOrderBook(self.state), FakePayouts(self.state), self.ledger)
        try:
            yield tx
        except BaseException:
            self.state.__dict__.update(saved_state.__dict__)
            tx.orders.s = tx.payouts.s = self.state
            self.ledger.entries = saved_entries
            raise


@dataclass
class _Tx:
    orders: FakeOrderBook
    payouts: FakePayouts
    ledger: InMemoryLedger


class FakeStripe:
    """Transfers and refunds with Stripe's idempotency keys and a charge's remaining balance."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.transfers: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self._by_key: dict[str, str] = {}

    def create(self, request: TransferRequest) -> str:
        if request.idempotency_key in self._by_key:
            return self._by_key[request.idempotency_key]
        tid = f"tr_{next(self._ids)}"
        self.transfers[tid] = {"amount": request.amount, "request": request}
        self._by_key[request.idempotency_key] = tid
        return tid

    def made(
        self, tid: str, amount: Money, order_id: str | None, reversals: tuple[tuple[str, Money], ...] = ()
    ) -> None:
        """A transfer Stripe has, as if made by a Transfer step that crashed before recording it."""
        self.transfers[tid] = {"amount": amount, "order_id": order_id, "reversals": dict(reversals)}

    def reverse(self, tid: str, reversal_id: str, amount: Money) -> None:
        self.transfers[tid].setdefault("reversals", {}).setdefault(reversal_id, amount)

    def retrieve(self, transfer_id: str) -> TransferState | None:
        """``TransferGateway.retrieve``: the transfer as this Stripe has it, not as an event says."""
        from workflows.payouts.ports import TransferState

        found = self.transfers.get(transfer_id)
        if found is None:
            return None
        request = found.get("request")
        order_id = request.metadata.get("order_id") if request is not None else found.get("order_id")
        reversals = tuple((found.get("reversals") or {}).items())
        return TransferState(transfer_id, found["amount"], order_id, reversals)

    def refund(self, request: RefundRequest) -> RefundResult:
        if request.idempotency_key not in self._by_key:
            rid = f"re_{next(self._ids)}"
            self.refunds[rid] = {"amount": request.amount, "request": request}
            self._by_key[request.idempotency_key] = rid
        return RefundResult(self._by_key[request.idempotency_key], "succeeded")


class FakeAccounts:
    def __init__(self, accounts: dict[str, str] | None = None) -> None:
        self.accounts = dict(accounts or {})

    def account_for(self, seller_id: str) -> str | None:
        return self.accounts.get(seller_id)


class FakeStarter:
    def __init__(self) -> None:
        self.started: dict[str, dict[str, Any]] = {}

    def start(self, name: str, payload: dict[str, Any]) -> bool:
        if name in self.started:
            return False
        self.started[name] = payload
        return True


class FakeRestocker:
    def __init__(self) -> None:
        self.restocked: dict[str, list[tuple[str, int]]] = {}

    def restock(self, reference: str, items: list[tuple[str, int]]) -> None:
        self.restocked.setdefault(reference, items)


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: dict[str, Any] = {}

    def publish(self, notification: Any) -> None:
        self.sent[notification.notification_id] = notification
