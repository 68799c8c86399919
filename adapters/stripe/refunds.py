"""Stripe refunds of a buyer's payment (``workflows.fulfilment.ports.RefundGateway``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import stripe

from adapters.stripe.calls import stripe_call
from workflows.fulfilment.errors import OrderNotCancellable
from workflows.fulfilment.ports import RefundResult

if TYPE_CHECKING:
    from workflows.fulfilment.ports import RefundRequest


class StripeRefunds:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    def refund(self, request: RefundRequest) -> RefundResult:
        params: dict[str, Any] = {
            "payment_intent": request.payment_intent_id,
            "amount": request.amount.amount_minor,
            "reason": "requested_by_customer",
            "metadata": request.metadata,
        }
        try:
            refund = stripe_call(
                lambda: self._client.v1.refunds.create(
                    params=params,  # type: ignore[arg-type]
                    options={"idempotency_key": request.idempotency_key},
                )
            )
        except stripe.InvalidRequestError as exc:
            raise OrderNotCancellable(
                f"The payment could not be refunded: {exc.user_message or exc}",
                details={"stripe_code": exc.code},
            ) from exc
        return RefundResult(refund_id=str(refund.id), status=refund.status or "pending")
