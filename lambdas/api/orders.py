"""``GET /orders`` and ``GET /orders/{order_id}``: the caller's orders as buyer or as seller.

An order is visible to its buyer and its seller only (anyone else: 404, never 403); the seller's
view carries the platform's fee, in parts, and the seller's net, the buyer's view does not.
Nothing creates orders here: checkout does.
"""

# Powertools reads the response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import orders
from workflows.orders.errors import OrderNotFound
from workflows.orders.views import BuyerOrderView, OrderPage, SellerOrderView
from workflows.shared.errors import ContractError, InvalidCursor, TransientError, Unauthenticated

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()

_COMMON = ((ContractError, "field details"), Unauthenticated, TransientError)


@app.get(
    "/orders",
    summary="The caller's orders as buyer (default) or as seller, newest first",
    responses=error_responses(*_COMMON, InvalidCursor),
    tags=["orders"],
)
def list_orders(
    role: Annotated[
        Literal["buyer", "seller"], Query(description="Orders the caller bought or sold")
    ] = "buyer",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> OrderPage:
    who = caller(app)
    logger.append_keys(user_id=who.user_id)
    return orders.wiring().queries.list_orders(who, role=role, limit=limit, cursor=cursor)


@app.get(
    "/orders/<order_id>",
    summary="One order, for its buyer or its seller (the seller also sees the fee and the net)",
    responses=error_responses(*_COMMON, OrderNotFound),
    tags=["orders"],
)
def get_order(
    order_id: Annotated[str, Path(min_length=1, max_length=64, description="The order's id")],
) -> SellerOrderView | BuyerOrderView:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, order_id=order_id)
    return orders.wiring().queries.get_order(who, order_id)


# personal data in the responses: never captured in traces
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
