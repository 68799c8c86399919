"""What fulfilment needs besides the books (``workflows.payouts.ports``): refunds and stock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from workflows.shared.money import Money


class Restocker(Protocol):
    """Puts items back in stock (MongoDB listings: ``adapters/mongo/stock.py``)."""

    def restock(self, reference: str, items: list[tuple[str, int]]) -> None:
        """Idempotent per ``reference``; re-activates a sold-out listing."""
        ...


@dataclass(frozen=True)
class RefundRequest:
    payment_intent_id: str
    amount: Money
    idempotency_key: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: Literal["succeeded", "pending", "failed", "canceled", "requires_action"]


class RefundGateway(Protocol):
    """Stripe refunds of a buyer's charge."""

    def refund(self, request: RefundRequest) -> RefundResult: ...


RefundStatus = Literal["succeeded", "pending", "failed", "canceled", "requires_action"]


@dataclass(frozen=True)
class RefundState:
    """A refund as Stripe has it now (read from Stripe, never from an event's payload)."""

    refund_id: str
    status: RefundStatus
    amount: Money
    #: the order a cancellation's refund names in its metadata (None: checkout's own refunds)
    order_id: str | None
    payment_intent_id: str | None
    #: Stripe's ``failure_reason`` of a failed refund
    failure_reason: str | None = None


class RefundLookup(Protocol):
    """Stripe refunds as they are now (the refund events' consumer reads them here)."""

    def retrieve(self, refund_id: str) -> RefundState | None:
        """The refund; None when Stripe has no such refund."""
        ...
