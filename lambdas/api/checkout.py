"""Checkout's API: ``POST /checkout``, ``GET /checkouts/{id}``, ``POST /checkouts/{id}/cancel``,
``GET /me/checkouts`` and ``GET /orders/{id}/timeline``.

A checkout is a Standard execution of the checkout state machine named by the checkout id;
``POST /checkout`` validates the cart synchronously (so a changed price is a 409 at once),
records the checkout and starts it, then answers 202 with the id and the URL to poll.
"""

# Powertools reads the request and response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import Response  # noqa: TC002 - read at runtime (OpenAPI)
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import checkout, messaging
from workflows.accounts.errors import AddressNotFound
from workflows.checkout.commands import CheckoutRequest
from workflows.checkout.errors import (
    AgreementLapsed,
    AgreementNotFound,
    CartEmpty,
    CartMixedCurrencies,
    CartUnavailable,
    CheckoutNotCancellable,
    CheckoutNotFound,
    PriceChanged,
    ShippingOptionNotFound,
)
from workflows.checkout.views import CheckoutPage, CheckoutView, TimelineView
from workflows.messaging.orders import order_conversation_id
from workflows.orders.errors import OrderNotFound
from workflows.shared.errors import (
    ContractError,
    IdempotencyKeyReused,
    InvalidCursor,
    TransientError,
    Unauthenticated,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from workflows.shared.identity import Caller

app = make_resolver()

_COMMON = ((ContractError, "field details"), Unauthenticated, TransientError)
_CHECKOUT_ID = Annotated[str, Path(min_length=1, max_length=64, description="The checkout's id")]


def _me() -> Caller:
    who = caller(app)
    logger.append_keys(user_id=who.user_id)
    return who


@app.post(
    "/checkout",
    summary="Check out the cart: one order per seller, one payment; answers 202 and a URL to poll",
    description=(
        "The cart is checked against the catalog now: a changed price is a 409 PRICE_CHANGED whose "
        "details carry the new prices (put the line in the cart again to accept one); a cart in "
        "several currencies is a 409 CART_MIXED_CURRENCIES (refused, not split). The checkout "
        "then runs on its own: poll status_url until awaiting_payment, confirm the PaymentIntent "
        "with its client_secret, and poll until paid (or payment_failed, expired, cancelled, failed). "
        "The same Idempotency-Key with the same body answers the same checkout. With offer_id "
        "(an accepted offer of the caller's) or auction_id (an auction the caller won) the checkout "
        "buys that agreement at its price instead of the cart, and expires at its deadline; one "
        "checkout per agreement runs at a time, and asking again answers it."
    ),
    status_code=HTTPStatus.ACCEPTED,
    response_description="Accepted: the checkout runs (also for a repeat with the same Idempotency-Key)",
    responses=error_responses(
        *_COMMON,
        ShippingOptionNotFound,
        AddressNotFound,
        CartEmpty,
        (CartUnavailable, "details.lines"),
        (PriceChanged, "details.changes"),
        (CartMixedCurrencies, "details.currencies: one checkout is paid in one currency"),
        (IdempotencyKeyReused, "same key, another body"),
        (AgreementNotFound, "offer_id or auction_id: no accepted offer or won auction of the caller's"),
        (AgreementLapsed, "the agreement's deadline passed or its hold was released"),
    ),
    tags=["checkout"],
)
def post_checkout(
    request: CheckoutRequest,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ] = None,
) -> Response[CheckoutView]:
    view, created = checkout.wiring().service.start(_me(), request, idempotency_key)
    logger.info("checkout accepted", extra={"checkout_id": view.checkout_id, "new_checkout": created})
    return app.answer(view, headers={"Location": view.status_url})


@app.get(
    "/me/checkouts",
    summary="The caller's checkouts, newest first, with status, total and the deadline to pay by",
    responses=error_responses(*_COMMON, InvalidCursor),
    tags=["checkout"],
)
def list_my_checkouts(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> CheckoutPage:
    return checkout.wiring().service.list_mine(_me(), limit=limit, cursor=cursor)


@app.get(
    "/checkouts/<checkout_id>",
    summary="A checkout's status, its orders, and while awaiting_payment the payment to confirm",
    responses=error_responses(*_COMMON, CheckoutNotFound),
    tags=["checkout"],
)
def get_checkout(checkout_id: _CHECKOUT_ID) -> CheckoutView:
    return checkout.wiring().service.get(_me(), checkout_id)


@app.post(
    "/checkouts/<checkout_id>/cancel",
    summary="Give up a checkout awaiting payment: the payment is cancelled and the items released",
    description="Answers 202: the checkout becomes cancelled once Stripe's cancellation event arrives.",
    status_code=HTTPStatus.ACCEPTED,
    responses=error_responses(*_COMMON, CheckoutNotFound, CheckoutNotCancellable),
    tags=["checkout"],
)
def cancel_checkout(checkout_id: _CHECKOUT_ID) -> CheckoutView:
    return checkout.wiring().service.cancel(_me(), checkout_id)


@app.get(
    "/orders/<order_id>/timeline",
    summary="An order's story: workflow steps, payment events and notifications, oldest first",
    responses=error_responses(*_COMMON, OrderNotFound),
    tags=["orders"],
)
def get_timeline(
    order_id: Annotated[str, Path(min_length=1, max_length=64, description="The order's id")],
) -> TimelineView:
    me = _me()
    timeline = checkout.wiring().service.timeline(me, order_id)  # 404 unless a party to the order
    conversation_id = order_conversation_id(messaging.wiring().conversations, me.user_id, order_id)
    return timeline.model_copy(update={"conversation_id": conversation_id})


# payment secrets and addresses in the responses: never captured in traces
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
