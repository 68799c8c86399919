"""Best Offer's API: ``POST /listings/{id}/offers``, ``GET /offers/{id}``, ``POST /offers/{id}/accept``,
``/decline`` and ``/counter``, ``GET /me/offers``.

An offer is a Standard execution of the offer state machine named by the offer id; an answer
changes the offer's row and resumes the execution's wait. Only the offer's two parties see it
(anyone else: 404); only the party whose turn it is answers (the other: 403).
"""

# Powertools reads the request and response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response  # noqa: TC002 - read at runtime (OpenAPI)
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import offers
from workflows.catalog.errors import ListingNotFound, QuantityNotAvailable
from workflows.offers.commands import CounterOffer, MakeOffer
from workflows.offers.errors import (
    BestOfferNotAvailable,
    CounterOutOfRange,
    NotYourTurn,
    OfferAbovePrice,
    OfferAlreadyOpen,
    OfferClosed,
    OfferCurrencyMismatch,
    OfferItemUnavailable,
    OfferLimitReached,
    OfferNotFound,
    OfferOnOwnListing,
)
from workflows.offers.views import OfferPage, OfferView
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
_ANSWER = (*_COMMON, OfferNotFound, (NotYourTurn, "the other party's turn"), OfferClosed)
_OFFER_ID = Annotated[str, Path(min_length=1, max_length=64, description="The offer's id")]


def _me() -> Caller:
    who = caller(app)
    logger.append_keys(user_id=who.user_id)
    return who


@app.post(
    "/listings/<listing_id>/offers",
    summary="Make an offer on a fixed-price listing that takes Best Offer",
    description=(
        "At most the listing's price, per unit, in its currency; up to 5 offers per buyer per listing, "
        "one awaiting an answer at a time. The seller's thresholds may accept or decline it at once; "
        "otherwise the seller has 48 hours to accept, decline or counter. The same Idempotency-Key "
        "with the same body answers the same offer."
    ),
    status_code=HTTPStatus.CREATED,
    responses=error_responses(
        *_COMMON,
        ListingNotFound,
        BestOfferNotAvailable,
        OfferOnOwnListing,
        (OfferAbovePrice, "details.price"),
        OfferCurrencyMismatch,
        (QuantityNotAvailable, "details.available"),
        (OfferLimitReached, "details.limit"),
        OfferAlreadyOpen,
        (IdempotencyKeyReused, "same key, another body"),
    ),
    tags=["offers"],
)
def post_offer(
    listing_id: Annotated[str, Path(min_length=1, max_length=64, description="The listing's id")],
    command: MakeOffer,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ] = None,
) -> Response[OfferView]:
    view, created = offers.wiring().service.make(_me(), listing_id, command, idempotency_key)
    logger.info("offer made", extra={"offer_id": view.offer_id, "new_offer": created})
    return app.answer(view, headers={"Location": view.status_url})


@app.get(
    "/offers/<offer_id>",
    summary="An offer and its moves, for its buyer or its seller",
    responses=error_responses(*_COMMON, OfferNotFound),
    tags=["offers"],
)
def get_offer(offer_id: _OFFER_ID) -> OfferView:
    return offers.wiring().service.get(_me(), offer_id)


@app.get(
    "/me/offers",
    summary="The caller's offers as buyer (default) or as seller, newest first",
    responses=error_responses(*_COMMON, InvalidCursor),
    tags=["offers"],
)
def list_my_offers(
    role: Annotated[
        Literal["buyer", "seller"], Query(description="Offers the caller made, or received as seller")
    ] = "buyer",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> OfferPage:
    return offers.wiring().service.list_mine(_me(), role=role, limit=limit, cursor=cursor)


@app.post(
    "/offers/<offer_id>/accept",
    summary="Accept the amount on the table (the awaited party): the units are held for the buyer",
    description=(
        "The buyer then has 48 hours to check out at the agreed price: POST /checkout "
        "{address_id, offer_id}. Accepting again answers the accepted offer."
    ),
    responses=error_responses(*_ANSWER, OfferItemUnavailable),
    tags=["offers"],
)
def accept_offer(offer_id: _OFFER_ID) -> OfferView:
    return offers.wiring().service.accept(_me(), offer_id)


@app.post(
    "/offers/<offer_id>/decline",
    summary="Decline the amount on the table (the awaited party)",
    responses=error_responses(*_ANSWER),
    tags=["offers"],
)
def decline_offer(offer_id: _OFFER_ID) -> OfferView:
    return offers.wiring().service.decline(_me(), offer_id)


@app.post(
    "/offers/<offer_id>/counter",
    summary="Counter with another amount (the awaited party): the other party has 48 hours to answer",
    description=(
        "A seller's counter is above the amount offered and at most the price; a buyer's counter "
        "is under the seller's counter."
    ),
    responses=error_responses(
        *_ANSWER, (CounterOutOfRange, "details.min, details.max"), OfferCurrencyMismatch
    ),
    tags=["offers"],
)
def counter_offer(offer_id: _OFFER_ID, command: CounterOffer) -> OfferView:
    return offers.wiring().service.counter(_me(), offer_id, command)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
