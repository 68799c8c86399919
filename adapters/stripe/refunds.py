"""Stripe refunds of a buyer's payment (``workflows.fulfilment.ports.RefundGateway`` and
``RefundLookup``): creating one, and reading one as Stripe has it now."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import stripe

from adapters.stripe.calls import stripe_call
from workflows.fulfilment.errors import OrderNotCancellable
from workflows.fulfilment.ports import RefundResult, RefundState
from workflows.shared.money import Money

if TYPE_CHECKING:
    from workflows.fulfilment.ports import RefundRequest, RefundStatus

_STATUSES = ("succeeded", "pending", "failed", "canceled", "requires_action")


def _status(refund: Any) -> RefundStatus:
    status = str(refund.status or "pending")
    # a status this code does not know yet is treated as not settled (nothing is posted)
    return cast("RefundStatus", status if status in _STATUSES else "pending")


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
        return RefundResult(refund_id=str(refund.id), status=_status(refund))

    def retrieve(self, refund_id: str) -> RefundState | None:
        try:
            refund = stripe_call(lambda: self._client.v1.refunds.retrieve(refund_id))
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing" or exc.http_status == 404:
                return None
            raise
        found: dict[str, Any] = refund.to_dict()
        payment_intent = found.get("payment_intent")
        return RefundState(
            refund_id=str(found["id"]),
            status=_status(refund),
            amount=Money(int(found["amount"]), str(found["currency"]).upper()),
            order_id=(found.get("metadata") or {}).get("order_id") or None,
            payment_intent_id=str(payment_intent) if payment_intent else None,
            failure_reason=found.get("failure_reason"),
        )
