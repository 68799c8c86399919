"""Checkout records: pure values, money in integer minor units."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from workflows.shared.errors import ContractError
from workflows.shared.money import Money

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.checkout.agreements import Agreement

#: lowercase snake_case, as every enumerated value the API answers (stored so since 0081)
#: "cancelled": the buyer gave up, or the business refused (the error code says why); "failed":
#: the platform failed (a step, a missing schedule, a payment it could not record), since 0085
CheckoutStatus = Literal[
    "pending", "awaiting_payment", "paid", "payment_failed", "expired", "cancelled", "failed"
]
CHECKOUT_STATUSES: tuple[str, ...] = get_args(CheckoutStatus)
#: how a checkout that was not paid ends
Outcome = Literal["payment_failed", "expired", "cancelled", "failed"]
TERMINAL: frozenset[str] = frozenset({"paid", "payment_failed", "expired", "cancelled", "failed"})
#: what told an order's story: a workflow step, a payment event, a notification, ...
TimelineKind = Literal["workflow", "payment", "notification", "fulfilment", "payout"]
#: the status its orders take when a checkout ends unpaid (the checkout's word; a checkout that
#: failed cancels its orders: an order has no "failed")
ORDER_STATUS_OF: dict[str, Literal["payment_failed", "expired", "cancelled"]] = {
    "payment_failed": "payment_failed",
    "expired": "expired",
    "cancelled": "cancelled",
    "failed": "cancelled",
}


def request_hash(document: dict[str, Any]) -> str:
    """The fingerprint of a request body (canonical JSON): the same key with another body is a 422."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class CheckoutLine:
    """One cart line as the checkout took it: what the buyer agreed to pay per unit."""

    listing_id: str
    seller_id: str
    title: str
    quantity: int
    unit_price: Money
    shipping_service: str | None = None

    def __post_init__(self) -> None:
        if type(self.quantity) is not int or self.quantity < 1:
            raise ContractError(f"a line's quantity is a positive integer, got {self.quantity!r}")

    @property
    def total(self) -> Money:
        return self.unit_price.times(self.quantity)

    def to_doc(self) -> dict[str, Any]:
        return {
            "listing_id": self.listing_id,
            "seller_id": self.seller_id,
            "title": self.title,
            "quantity": self.quantity,
            "unit_price": self.unit_price.amount_minor,
            "currency": self.unit_price.currency,
            "shipping_service": self.shipping_service,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> CheckoutLine:
        return cls(
            listing_id=str(doc["listing_id"]),
            seller_id=str(doc["seller_id"]),
            title=str(doc["title"]),
            quantity=int(doc["quantity"]),
            unit_price=Money(int(doc["unit_price"]), str(doc["currency"])),
            shipping_service=doc.get("shipping_service"),
        )


@dataclass(frozen=True)
class CheckoutFailure:
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckoutRecord:
    checkout_id: str
    buyer_id: str
    status: CheckoutStatus
    request_hash: str
    address_id: str
    ship_to: dict[str, Any]
    shipping_choices: dict[str, str]
    lines: tuple[CheckoutLine, ...]
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    amount_total: Money | None = None
    payment_intent_id: str | None = None
    client_secret: str | None = None
    charge_id: str | None = None
    failure: CheckoutFailure | None = None
    #: the accepted offer or won auction this checkout buys at its agreed price (None: a cart's)
    agreement: Agreement | None = None

    def __post_init__(self) -> None:
        if self.status not in CHECKOUT_STATUSES:
            raise ContractError(f"unknown checkout status {self.status!r}")

    @property
    def ended(self) -> bool:
        return self.status in TERMINAL

    def holds(self) -> list[tuple[str, int]]:
        """(listing id, quantity) of every line, in a stable order (the order holds are taken in)."""
        return sorted((line.listing_id, line.quantity) for line in self.lines)

    def lines_of(self, seller_id: str) -> list[CheckoutLine]:
        return [line for line in self.lines if line.seller_id == seller_id]


@dataclass(frozen=True)
class PaymentIntentState:
    """What checkout needs to know of a PaymentIntent at Stripe."""

    payment_intent_id: str
    status: str
    amount: Money
    client_secret: str | None = None
    latest_charge: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def canceled(self) -> bool:
        return self.status == "canceled"


@dataclass(frozen=True)
class TimelineEvent:
    """One moment of a checkout's (and its orders') story."""

    key: str
    checkout_id: str
    kind: TimelineKind
    name: str
    occurred_at: datetime
    order_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
