"""What payouts (and fulfilment) talk through; adapters implement these (``adapters/``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from datetime import datetime

    from workflows.ledger.ports import Ledger
    from workflows.orders.model import OrderRecord, OrderStatus
    from workflows.payouts.model import PayoutRecord, PayoutStatus
    from workflows.shared.money import Money


@dataclass(frozen=True)
class Shipment:
    order_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime
    auto_confirm_at: datetime
    delivered_at: datetime | None = None
    delivered_by: str | None = None  # "buyer" | "auto"


@dataclass(frozen=True)
class Cancellation:
    order_id: str
    cancelled_by: str
    role: str
    reason: str | None
    refund_id: str
    amount: Money
    cancelled_at: datetime


class OrderBook(Protocol):
    """Orders with their shipment and cancellation, on the caller's transaction."""

    def get(self, order_id: str, *, for_update: bool = False) -> OrderRecord | None: ...

    def set_status(self, order_id: str, status: OrderStatus) -> None: ...

    def shipment(self, order_id: str) -> Shipment | None: ...

    def add_shipment(self, shipment: Shipment) -> None: ...

    def mark_delivered(self, order_id: str, *, at: datetime, by: str) -> None: ...

    def cancellation(self, order_id: str) -> Cancellation | None: ...

    def add_cancellation(self, cancellation: Cancellation) -> None: ...

    def open_disputes(self, order_id: str) -> int: ...


class PayoutRepository(Protocol):
    """Payout rows and the Stripe ids behind their ledger entries, on the caller's transaction."""

    def add(self, payout: PayoutRecord) -> bool:
        """Insert; False when the order's payout exists (a redelivered OrderPaid)."""
        ...

    def get(self, order_id: str, *, for_update: bool = False) -> PayoutRecord | None: ...

    def set_status(
        self,
        order_id: str,
        status: PayoutStatus,
        *,
        hold_until: datetime | None = None,
        hold_reason: str | None = None,
        stopped_reason: str | None = None,
    ) -> None: ...

    def mark_transferred(self, order_id: str, transfer_id: str, *, at: datetime) -> None: ...

    def transfer_order(self, transfer_id: str) -> str | None:
        """The order a recorded transfer paid out, or None when the ledger has not recorded it."""
        ...

    def add_transfer(self, transfer_id: str, order_id: str, entry_id: str, amount: Money) -> bool: ...

    def add_reversal(
        self, reversal_id: str, transfer_id: str, order_id: str, entry_id: str, amount: Money
    ) -> bool: ...

    def earlier_sales(self, seller_id: str, paid_at: datetime, order_id: str) -> int:
        """The seller's payouts paid before this one and not stopped (is this a new seller?)."""
        ...


class Books(Protocol):
    """One transaction over orders, payouts and the ledger: all committed, or nothing."""

    @property
    def orders(self) -> OrderBook: ...

    @property
    def payouts(self) -> PayoutRepository: ...

    @property
    def ledger(self) -> Ledger: ...


class BooksFactory(Protocol):
    def __call__(self) -> AbstractContextManager[Books]: ...


class ConnectedAccounts(Protocol):
    """The seller's Stripe connected account (the onboarding workflow records it)."""

    def account_for(self, seller_id: str) -> str | None: ...


@dataclass(frozen=True)
class TransferRequest:
    amount: Money
    destination: str
    source_transaction: str
    transfer_group: str
    idempotency_key: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class TransferState:
    """A transfer as Stripe has it now (read from Stripe, never from an event's payload)."""

    transfer_id: str
    amount: Money
    #: the order the Transfer step named in the transfer's metadata (None: not a payout's)
    order_id: str | None
    #: every reversal of it: (reversal id, amount)
    reversals: tuple[tuple[str, Money], ...] = ()


class TransferGateway(Protocol):
    """Stripe transfers to connected accounts."""

    def create(self, request: TransferRequest) -> str:
        """The transfer's id (the same one for the same idempotency key)."""
        ...

    def retrieve(self, transfer_id: str) -> TransferState | None:
        """The transfer with all its reversals; None when Stripe has no such transfer."""
        ...


class PayoutStarter(Protocol):
    """Starts the payout state machine (an existing execution of that name is not an error)."""

    def start(self, name: str, payload: dict[str, Any]) -> bool:
        """True when started now, False when an execution of that name exists."""
        ...
