"""``POST /orders/{order_id}/ship``, ``/confirm-delivery`` and ``/cancel``.

The seller ships; the buyer confirms delivery (or it is confirmed for them a configured number
of days after shipment); either may cancel before shipment (a full refund, the items back in
stock, the payout stopped). Someone who is not a party to the order gets 404; the other party
gets 403; a step the order's state does not allow is a 409. Repeating a call that succeeded
answers the same again (no second shipment, refund or notification).
"""

# Powertools reads the request and response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import count, logger, tracer
from lambdas.wiring import payouts
from workflows.fulfilment.commands import CancelRequest, ShipRequest
from workflows.fulfilment.errors import (
    NotTheBuyer,
    NotTheSeller,
    OrderAlreadyShipped,
    OrderNotCancellable,
    OrderNotShippable,
    OrderNotShipped,
)
from workflows.fulfilment.views import FulfilmentView
from workflows.orders.errors import OrderNotFound
from workflows.shared.errors import ContractError, TransientError, Unauthenticated

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()

_COMMON = (
    (ContractError, "field details"),
    Unauthenticated,
    (OrderNotFound, "also someone else's order"),
    TransientError,
)
_ORDER_ID = Path(min_length=1, max_length=64, description="The order's id")


@app.post(
    "/orders/<order_id>/ship",
    summary="The seller marks the order shipped, with the carrier and tracking number",
    description="The buyer's delivery window starts now; delivery is confirmed for them when it ends.",
    responses=error_responses(*_COMMON, NotTheSeller, OrderNotShippable, OrderAlreadyShipped),
    tags=["fulfilment"],
)
def ship(order_id: Annotated[str, _ORDER_ID], request: ShipRequest) -> FulfilmentView:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, order_id=order_id)
    return payouts.wiring().fulfilment.ship(
        who, order_id, carrier=request.carrier, tracking_number=request.tracking_number
    )


@app.post(
    "/orders/<order_id>/confirm-delivery",
    summary="The buyer confirms the order arrived (the seller's payout may then go ahead)",
    responses=error_responses(*_COMMON, NotTheBuyer, OrderNotShipped),
    tags=["fulfilment"],
)
def confirm_delivery(order_id: Annotated[str, _ORDER_ID]) -> FulfilmentView:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, order_id=order_id)
    return payouts.wiring().fulfilment.confirm_delivery(who, order_id)


@app.post(
    "/orders/<order_id>/cancel",
    summary="The buyer or the seller cancels a paid order before it ships: a full refund",
    responses=error_responses(*_COMMON, OrderAlreadyShipped, OrderNotCancellable),
    tags=["fulfilment"],
)
def cancel(
    order_id: Annotated[str, _ORDER_ID], request: Annotated[CancelRequest | None, Body()] = None
) -> FulfilmentView:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, order_id=order_id)
    reason = request.reason if request else None
    cancelled = payouts.wiring().fulfilment.cancel(who, order_id, reason=reason)
    if cancelled.refunded is not None:
        count("RefundsIssued", currency=cancelled.refunded.currency)
    return cancelled.view


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
