"""The caller's cart: ``GET /cart``, ``PUT /cart/items/{listing_id}``, ``DELETE /cart/items/{listing_id}``."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from lambdas.api.auth import caller
from lambdas.api.contract import no_content, with_model
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import cart
from workflows.cart.commands import SetQuantity  # noqa: TC001 - parsed at runtime
from workflows.cart.errors import CartFull, CartLineChanged, OwnListing
from workflows.cart.views import CartLineView, CartView
from workflows.catalog.errors import (
    ListingIsAuction,
    ListingNotAvailable,
    ListingNotFound,
    QuantityNotAvailable,
)
from workflows.shared.errors import ContractError, Unauthenticated

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()

_LISTING_ID = Annotated[str, Path(min_length=1, max_length=64)]
_COMMON = (Unauthenticated, ContractError)


@app.get(
    "/cart",
    summary="The caller's cart, priced now: availability, price changes, subtotals per currency",
    responses=error_responses(*_COMMON),
    tags=["cart"],
)
def get_cart() -> CartView:
    return cart.wiring().service.cart(caller(app))


@app.put(
    "/cart/items/<listing_id>",
    summary="Set how many of a listing the cart holds (0 removes the line: 204)",
    responses={
        **with_model(HTTPStatus.OK, CartLineView, "The line, as the cart now holds it"),
        **no_content("Quantity 0: the line is removed"),
        **error_responses(
            *_COMMON,
            ListingNotFound,
            ListingNotAvailable,
            (ListingIsAuction, "an auction is bid on, not bought from the cart"),
            OwnListing,
            (QuantityNotAvailable, "details.available"),
            CartFull,
            CartLineChanged,
        ),
    },
    tags=["cart"],
)
def put_item(listing_id: _LISTING_ID, command: SetQuantity) -> Response[CartLineView | None]:
    line = cart.wiring().service.set_quantity(caller(app), listing_id, command)
    if line is None:
        return Response(status_code=HTTPStatus.NO_CONTENT)
    return app.answer(line)


@app.delete(
    "/cart/items/<listing_id>",
    summary="Remove a listing from the cart (idempotent)",
    status_code=HTTPStatus.NO_CONTENT,
    responses=error_responses(*_COMMON),
    tags=["cart"],
)
def delete_item(listing_id: _LISTING_ID) -> None:
    cart.wiring().service.remove(caller(app), listing_id)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
