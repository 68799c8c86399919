"""What the checkout API accepts and answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from workflows.catalog.views import MoneyView
from workflows.checkout.model import CheckoutStatus, TimelineKind  # noqa: TC001 - pydantic reads them
from workflows.shared.clock import rfc3339

if TYPE_CHECKING:
    from workflows.checkout.model import CheckoutRecord, TimelineEvent
    from workflows.orders.model import OrderRecord

MAX_LINES = 50


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShippingChoice(_Request):
    listing_id: str = Field(min_length=1, max_length=64)
    service: str = Field(min_length=1, max_length=60, description="One of the listing's shipping services")


class CheckoutRequest(_Request):
    address_id: str = Field(min_length=1, max_length=64, description="One of the caller's addresses")
    shipping_choices: list[ShippingChoice] = Field(
        default_factory=list,
        max_length=MAX_LINES,
        description="The shipping service per listing; a listing not named ships with its cheapest option",
    )


class PaymentView(_View):
    payment_intent_id: str
    client_secret: str = Field(description="For confirming the payment from the client (Stripe SDK)")


class CheckoutErrorView(_View):
    code: str
    message: str
    details: dict[str, Any] | None = None


class CheckoutView(_View):
    checkout_id: str
    status: CheckoutStatus = Field(
        description="pending → awaiting_payment → paid, or payment_failed, expired or cancelled"
    )
    order_ids: list[str]
    total: MoneyView | None = Field(description="What the buyer pays; known once the orders exist")
    payment: PaymentView | None = Field(description="While awaiting_payment: what the client confirms")
    expires_at: str
    error: CheckoutErrorView | None = None
    status_url: str
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, checkout: CheckoutRecord, orders: list[OrderRecord]) -> CheckoutView:
        awaiting = (
            checkout.status == "awaiting_payment" and checkout.payment_intent_id and checkout.client_secret
        )
        failure = checkout.failure
        return cls(
            checkout_id=checkout.checkout_id,
            status=checkout.status,
            order_ids=sorted(o.order_id for o in orders),
            total=MoneyView.of(checkout.amount_total) if checkout.amount_total else None,
            payment=PaymentView(
                payment_intent_id=str(checkout.payment_intent_id), client_secret=str(checkout.client_secret)
            )
            if awaiting
            else None,
            expires_at=rfc3339(checkout.expires_at),
            error=None
            if failure is None
            else CheckoutErrorView(
                code=failure.code, message=failure.message, details=failure.details or None
            ),
            status_url=f"/checkouts/{checkout.checkout_id}",
            created_at=rfc3339(checkout.created_at),
            updated_at=rfc3339(checkout.updated_at),
        )


class TimelineEntryView(_View):
    at: str
    kind: TimelineKind
    name: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, event: TimelineEvent) -> TimelineEntryView:
        return cls(at=rfc3339(event.occurred_at), kind=event.kind, name=event.name, detail=event.detail)


class TimelineView(_View):
    order_id: str
    items: list[TimelineEntryView]
