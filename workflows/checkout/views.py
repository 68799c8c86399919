"""What the checkout API answers: the checkout's state and an order's timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from workflows.checkout.agreements import AgreementKind  # noqa: TC001 - pydantic reads it
from workflows.checkout.model import CheckoutStatus, TimelineKind  # noqa: TC001 - pydantic reads them
from workflows.shared.views import MoneyView, Timestamp, View

if TYPE_CHECKING:
    from workflows.checkout.model import CheckoutRecord, TimelineEvent
    from workflows.orders.model import OrderRecord


class PaymentView(View):
    payment_intent_id: str
    client_secret: str = Field(description="For confirming the payment from the client (Stripe SDK)")


class CheckoutErrorView(View):
    code: str
    message: str
    details: dict[str, Any] | None = None


class AgreementView(View):
    """The accepted offer or won auction a checkout buys at its agreed price."""

    kind: AgreementKind
    id: str


class CheckoutView(View):
    checkout_id: str
    status: CheckoutStatus = Field(
        description=(
            "pending → awaiting_payment → paid, or payment_failed, expired, cancelled (the buyer "
            "cancelled, or the items could not be bought: error says why) or failed (the platform "
            "failed: error.code CHECKOUT_FAILED or PAYMENT_NOT_RECORDED; nothing is charged)"
        )
    )
    order_ids: list[str]
    total: MoneyView | None = Field(description="What the buyer pays; known once the orders exist")
    payment: PaymentView | None = Field(description="While awaiting_payment: what the client confirms")
    expires_at: Timestamp = Field(description="The deadline to pay by; an agreement's own deadline")
    error: CheckoutErrorView | None = None
    agreement: AgreementView | None = Field(
        default=None, description="The accepted offer or won auction bought at its price; null for a cart's"
    )
    status_url: str
    created_at: Timestamp
    updated_at: Timestamp

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
            expires_at=checkout.expires_at,
            error=None
            if failure is None
            else CheckoutErrorView(
                code=failure.code, message=failure.message, details=failure.details or None
            ),
            agreement=None
            if checkout.agreement is None
            else AgreementView(kind=checkout.agreement.kind, id=checkout.agreement.source_id),
            status_url=f"/checkouts/{checkout.checkout_id}",
            created_at=checkout.created_at,
            updated_at=checkout.updated_at,
        )


class CheckoutPage(View):
    """``GET /me/checkouts``: newest first."""

    items: list[CheckoutView]
    next_cursor: str | None


class TimelineEntryView(View):
    at: Timestamp
    kind: TimelineKind
    name: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, event: TimelineEvent) -> TimelineEntryView:
        return cls(at=event.occurred_at, kind=event.kind, name=event.name, detail=event.detail)


class TimelineView(View):
    order_id: str
    items: list[TimelineEntryView]
    #: the order's buyer-seller conversation, once one exists (``GET /conversations/{id}``)
    conversation_id: str | None = None
