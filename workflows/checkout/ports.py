"""Checkout's ports (PostgreSQL, MongoDB, Stripe, Step Functions); adapters implement them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from datetime import datetime

    from workflows.checkout.model import (
        CheckoutFailure,
        CheckoutRecord,
        CheckoutStatus,
        PaymentIntentState,
        TimelineEvent,
    )
    from workflows.fees.service import QuoteView
    from workflows.ledger.ports import Ledger
    from workflows.orders.model import OrderRecord
    from workflows.orders.ports import Orders
    from workflows.shared.money import Money


class Checkouts(Protocol):
    """The checkouts table, on the unit of work's transaction."""

    def get(self, checkout_id: str, *, for_update: bool = False) -> CheckoutRecord | None: ...

    def add(self, checkout: CheckoutRecord) -> bool:
        """Insert; False when the id exists (a repeated request)."""
        ...

    def set_amount(self, checkout_id: str, amount: Money) -> None: ...

    def await_payment(self, checkout_id: str, payment_intent_id: str, client_secret: str) -> None: ...

    def set_status(
        self,
        checkout_id: str,
        status: CheckoutStatus,
        *,
        charge_id: str | None = None,
        failure: CheckoutFailure | None = None,
    ) -> None:
        """Move to ``status``; a terminal status also forgets the client secret."""
        ...

    def orders_of(self, checkout_id: str, *, for_update: bool = False) -> list[OrderRecord]: ...

    def for_agreement(self, kind: str, source_id: str) -> list[CheckoutRecord]:
        """The checkouts made from one agreement, oldest first."""
        ...

    def of_buyer(
        self, buyer_id: str, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[CheckoutRecord]:
        """The buyer's checkouts, newest first (created_at, then id, both descending), starting
        after the keyset position ``after``."""
        ...


class Timeline(Protocol):
    def record(self, event: TimelineEvent) -> bool:
        """Append the moment; False when its key was recorded before (a retried step)."""
        ...

    def for_order(self, checkout_id: str, order_id: str) -> list[TimelineEvent]:
        """The checkout's moments about this order or about all its orders, oldest first."""
        ...


class BuyerDirectory(Protocol):
    def ship_to(self, user_id: str, address_id: str) -> dict[str, Any] | None:
        """The user's address as a document to ship to, or None if it is not theirs."""
        ...

    def stripe_customer(self, user_id: str) -> str | None: ...

    def default_address(self, user_id: str) -> str | None:
        """The id of the user's default address, if they have one."""
        ...


class KeptQuotes(Protocol):
    """The quotes the nested fee calculation kept for the checkout that asked for them."""

    def get(self, quote_id: str, held_by: str) -> QuoteView | None:
        """The quote kept under ``quote_id`` for checkout ``held_by`` (None: no such quote)."""
        ...


class CheckoutUnitOfWork(Protocol):
    """One PostgreSQL transaction over checkouts, orders, the ledger, the timeline and the quotes."""

    @property
    def checkouts(self) -> Checkouts: ...
    @property
    def orders(self) -> Orders: ...
    @property
    def ledger(self) -> Ledger: ...
    @property
    def timeline(self) -> Timeline: ...
    @property
    def buyers(self) -> BuyerDirectory: ...
    @property
    def quotes(self) -> KeptQuotes: ...


class UnitOfWorkOpener(Protocol):
    def __call__(self) -> AbstractContextManager[CheckoutUnitOfWork]: ...


HoldOutcome = Literal["held", "already_held", "not_enough", "not_active", "missing"]


class StockStore(Protocol):
    """Listing stock in the catalog: one atomic conditional write per listing."""

    def hold(self, listing_id: str, holder: str, quantity: int) -> HoldOutcome:
        """Take ``quantity`` units off the listing for ``holder`` if it is active and has them."""
        ...

    def release(self, listing_id: str, holder: str) -> int:
        """Put the holder's units back; the quantity released (0: nothing was held)."""
        ...

    def held(self, listing_id: str, holder: str) -> int:
        """The units ``holder`` holds on the listing now (0: none)."""
        ...

    def transfer(self, listing_id: str, holder: str, to: str) -> int:
        """Move ``holder``'s hold to ``to`` in one conditional write (``to`` holding nothing yet);
        the quantity moved (0: ``holder`` held nothing, or ``to`` already holds)."""
        ...

    def settle(self, listing_id: str, holder: str) -> int:
        """The held units are sold: forget the hold; the quantity settled (0: nothing was held)."""
        ...

    def restock(self, listing_id: str, reference: str, quantity: int) -> bool:
        """Put ``quantity`` units back once per ``reference`` (a cancelled order); True if done now."""
        ...

    def refresh_status(self, listing_id: str, at: datetime) -> Literal["sold_out", "active"] | None:
        """Sold out when nothing is left or held, active again when stock came back; the new
        status when it changed (the caller announces it), else None."""
        ...


class Payments(Protocol):
    """Stripe PaymentIntents and refunds."""

    def create_intent(
        self,
        *,
        amount: Money,
        transfer_group: str,
        customer: str | None,
        metadata: dict[str, str],
        description: str,
        idempotency_key: str,
    ) -> PaymentIntentState: ...

    def retrieve(self, payment_intent_id: str) -> PaymentIntentState: ...

    def cancel(self, payment_intent_id: str, *, idempotency_key: str) -> PaymentIntentState:
        """Cancel; a PaymentIntent that succeeded meanwhile comes back as it is (not an error)."""
        ...

    def refund(self, payment_intent_id: str, *, idempotency_key: str) -> str:
        """Refund the whole payment; the refund's id."""
        ...


class CartLines(Protocol):
    def remove(self, user_id: str, listing_id: str) -> None: ...


class ExecutionStarter(Protocol):
    def start(self, name: str, payload: dict[str, Any]) -> object:
        """Start the checkout execution ``name`` (a second start of the same one is fine; what
        the starter answers is not used)."""
        ...
