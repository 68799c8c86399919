"""Order records: pure values, money in integer minor units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

from workflows.ledger.entries import OrderAmounts
from workflows.shared.errors import ContractError
from workflows.shared.ids import derived_id

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.shared.money import Money

OrderStatus = Literal[
    "pending",
    "awaiting_payment",
    "paid",
    "payment_failed",
    "cancelled",
    "expired",
    "shipped",
    "delivered",
    "refunded",
]
ORDER_STATUSES: tuple[str, ...] = get_args(OrderStatus)
Role = Literal["buyer", "seller"]


def order_id_for(checkout_id: str, seller_id: str) -> str:
    """The order of one seller's items in a checkout (the same on every retry)."""
    return derived_id("order", checkout_id, seller_id)


@dataclass(frozen=True)
class OrderItem:
    listing_id: str
    title: str
    quantity: int
    unit_price: Money

    def __post_init__(self) -> None:
        if type(self.quantity) is not int or self.quantity < 1:
            raise ContractError(f"an item's quantity is a positive integer, got {self.quantity!r}")
        if self.unit_price.amount_minor < 0:
            raise ContractError("an item's price is never negative")


@dataclass(frozen=True)
class FeeBreakdown:
    """An order's fee parts as the quote gave them: each part is already net of the cap, so the
    parts add up to the fee; ``cap_reduction`` says how much the cap took off (never subtracted
    again)."""

    category_percentage: Money
    fixed: Money
    ad: Money
    cap_reduction: Money

    @property
    def total(self) -> Money:
        return self.category_percentage + self.fixed + self.ad


@dataclass(frozen=True)
class OrderRecord:
    order_id: str
    checkout_id: str
    buyer_id: str
    seller_id: str
    status: OrderStatus
    currency: str
    items_total: Money
    shipping_total: Money
    fees: FeeBreakdown
    fee_total: Money
    seller_net: Money
    fee_schedule_version: int
    items: tuple[OrderItem, ...]
    created_at: datetime
    updated_at: datetime
    payment_intent_id: str | None = None
    #: the address it ships to, as it was at checkout
    ship_to: dict[str, Any] | None = None
    charge_id: str | None = None
    paid_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.status not in ORDER_STATUSES:
            raise ContractError(f"unknown order status {self.status!r}")
        if self.buyer_id == self.seller_id:
            raise ContractError("a seller cannot buy from themselves")
        if self.fee_total + self.seller_net != self.gross:
            raise ContractError("an order's fee and net add up to its items and shipping")
        if self.fees.total != self.fee_total:
            raise ContractError("an order's fee parts add up to its fee")
        if any(i.unit_price.currency != self.currency for i in self.items):
            raise ContractError("an order's items are priced in its currency")

    @property
    def gross(self) -> Money:
        return self.items_total + self.shipping_total

    def amounts(self) -> OrderAmounts:
        """What the ledger posts for this order."""
        return OrderAmounts(self.order_id, self.seller_id, fee=self.fee_total, net=self.seller_net)

    def party(self, user_id: str) -> Role | None:
        if user_id == self.seller_id:
            return "seller"
        if user_id == self.buyer_id:
            return "buyer"
        return None
