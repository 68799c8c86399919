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

from lambdas import bootstrap
from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from workflows.fulfilment.views import CancelRequest, FulfilmentView, ShipRequest

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()

_COMMON = {
    400: "INVALID_REQUEST (field details)",
    401: "UNAUTHORIZED",
    404: "ORDER_NOT_FOUND (also someone else's order)",
    503: "TEMPORARILY_UNAVAILABLE",
}
_ORDER_ID = Path(min_length=1, max_length=64, description="The order's id")


@app.post(
    "/orders/<order_id>/ship",
    summary="The seller marks the order shipped, with the carrier and tracking number",
    description="The buyer's delivery window starts now; delivery is confirmed for them when it ends.",
    responses=error_responses(
        {**_COMMON, 403: "ONLY_THE_SELLER_SHIPS", 409: "ORDER_NOT_SHIPPABLE, ORDER_ALREADY_SHIPPED"}
    ),
    tags=["fulfilment"],
)
def ship(order_id: Annotated[str, _ORDER_ID], request: ShipRequest) -> FulfilmentView:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, order_id=order_id)
    return bootstrap.fulfilment_service().ship(
        who, order_id, carrier=request.carrier, tracking_number=request.tracking_number
    )


@app.post(
    "/orders/<order_id>/confirm-delivery",
    summary="The buyer confirms the order arrived (the seller's payout may then go ahead)",
    responses=error_responses({**_COMMON, 403: "ONLY_THE_BUYER_CONFIRMS_DELIVERY", 409: "ORDER_NOT_SHIPPED"}),
    tags=["fulfilment"],
)
def confirm_delivery(order_id: Annotated[str, _ORDER_ID]) -> FulfilmentView:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, order_id=order_id)
    return bootstrap.fulfilment_service().confirm_delivery(who, order_id)


@app.post(
    "/orders/<order_id>/cancel",
    summary="The buyer or the seller cancels a paid order before it ships: a full refund",
    responses=error_responses({**_COMMON, 409: "ORDER_ALREADY_SHIPPED, ORDER_NOT_CANCELLABLE"}),
    tags=["fulfilment"],
)
def cancel(
    order_id: Annotated[str, _ORDER_ID], request: Annotated[CancelRequest | None, Body()] = None
) -> FulfilmentView:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, order_id=order_id)
    reason = request.reason if request else None
    return bootstrap.fulfilment_service().cancel(who, order_id, reason=reason)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
