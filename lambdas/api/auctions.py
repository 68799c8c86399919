"""Auctions: bid (proxy bidding), the masked bid history, retract, Buy It Now, end early, and the
seller's choice once a winner did not pay (a second-chance offer, or a relist)."""

# Powertools reads the request and response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import auctions
from workflows.auctions.commands import EndAuction, PlaceBid, RetractBids
from workflows.auctions.errors import (
    AuctionBusy,
    AuctionEnded,
    AuctionHasBids,
    AuctionNotFound,
    AuctionStillOpen,
    BidCurrencyMismatch,
    BidTooLow,
    BuyItNowUnavailable,
    NoBidToRetract,
    OnlyTheSellerEndsAuctions,
    RetractionNotAllowed,
    SellerCannotBid,
    SellerChoiceUnavailable,
)
from workflows.auctions.views import AuctionView, BidHistory, BidView, RelistedView
from workflows.catalog.errors import ConcurrentUpdate, CurrencyNotSupported, InvalidListing
from workflows.shared.errors import (
    ContractError,
    IdempotencyKeyReused,
    InvalidCursor,
    SellerOnly,
    Unauthenticated,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from workflows.shared.identity import Caller

app = make_resolver()

_LISTING_ID = Annotated[str, Path(min_length=1, max_length=64, description="The auction listing's id")]
_COMMON = ((ContractError, "field details"), Unauthenticated, AuctionNotFound, AuctionBusy)
_CURSOR = Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")]
_KEY = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)]


def _me() -> Caller:
    who = caller(app)
    logger.append_keys(user_id=who.user_id)
    return who


def _caller_id() -> str | None:
    authorizer = app.current_event.request_context.authorizer
    claims = (authorizer.claims if authorizer is not None else None) or {}
    sub = claims.get("sub")
    return str(sub) if sub else None


@app.post(
    "/listings/<listing_id>/bids",
    summary="Bid your maximum: the platform bids for you, one increment at a time, up to it",
    description=(
        "Your maximum is kept secret; the current price is the second highest maximum plus one "
        "increment, never above the highest; ties go to the earlier bid. A bid under the current "
        "price plus one increment (the starting price before any bid) is a 400 BID_TOO_LOW whose "
        "details.minimum says the least accepted; the leader may raise their own maximum. The "
        "answer says whether you lead (status leading) or were outbid at once by someone's higher "
        "maximum (status outbid). The same Idempotency-Key with the same body answers the same bid."
    ),
    status_code=HTTPStatus.CREATED,
    responses=error_responses(
        *_COMMON,
        (BidTooLow, "details.minimum: the least maximum accepted now"),
        (BidCurrencyMismatch, "details.currency: the auction's"),
        SellerCannotBid,
        AuctionEnded,
        (IdempotencyKeyReused, "same key, another body"),
    ),
    tags=["auctions"],
)
def post_bid(listing_id: _LISTING_ID, command: PlaceBid, idempotency_key: _KEY = None) -> BidView:
    return auctions.wiring().service.place_bid(_me(), listing_id, command, idempotency_key)


@app.get(
    "/listings/<listing_id>/bids",
    summary="The bid history, newest first, bidders masked (a***z (12)); the leader's maximum never shown",
    responses=error_responses(AuctionNotFound, ContractError, InvalidCursor, AuctionBusy),
    tags=["auctions"],
)
def get_bids(
    listing_id: _LISTING_ID,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size (default 20, max 100)")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=512, description="next_cursor of the previous page")
    ] = None,
) -> BidHistory:
    return auctions.wiring().service.history(listing_id, _caller_id(), limit, cursor)


@app.post(
    "/listings/<listing_id>/bids/retract",
    summary="Retract your bids (more than 12 hours left, or within an hour of your bid)",
    responses=error_responses(*_COMMON, NoBidToRetract, RetractionNotAllowed, AuctionEnded),
    tags=["auctions"],
)
def post_retract(listing_id: _LISTING_ID, command: RetractBids) -> AuctionView:
    return auctions.wiring().service.retract(_me(), listing_id, command)


@app.post(
    "/listings/<listing_id>/buy-it-now",
    summary="Buy It Now: the auction ends and your checkout at the Buy It Now price starts",
    description=(
        "Offered until the first bid (with a reserve: until the reserve is met). The checkout is "
        "started by the auction right after (GET /me/checkouts); asking again answers the same."
    ),
    responses=error_responses(*_COMMON, SellerCannotBid, BuyItNowUnavailable, AuctionEnded),
    tags=["auctions"],
)
def post_buy_it_now(listing_id: _LISTING_ID) -> AuctionView:
    return auctions.wiring().service.buy_it_now(_me(), listing_id)


@app.post(
    "/listings/<listing_id>/end",
    summary="End an auction early (its seller): with no bids, or cancelling them with a reason",
    responses=error_responses(
        *_COMMON,
        SellerOnly,
        OnlyTheSellerEndsAuctions,
        (AuctionHasBids, "give a reason to cancel the bids"),
        AuctionEnded,
    ),
    tags=["auctions"],
)
def post_end(listing_id: _LISTING_ID, command: EndAuction) -> AuctionView:
    return auctions.wiring().service.end_early(_me(), listing_id, command)


@app.post(
    "/listings/<listing_id>/second-chance",
    summary="The winner did not pay: offer the item to the next bidder at their maximum",
    responses=error_responses(
        *_COMMON, SellerOnly, OnlyTheSellerEndsAuctions, AuctionStillOpen, SellerChoiceUnavailable
    ),
    tags=["auctions"],
)
def post_second_chance(listing_id: _LISTING_ID) -> AuctionView:
    return auctions.wiring().service.offer_second_chance(_me(), listing_id)


@app.post(
    "/listings/<listing_id>/relist",
    summary="Relist an auction that did not end in a paid sale: a new auction with the same terms",
    status_code=HTTPStatus.CREATED,
    responses=error_responses(
        *_COMMON,
        SellerOnly,
        OnlyTheSellerEndsAuctions,
        AuctionStillOpen,
        SellerChoiceUnavailable,
        InvalidListing,
        CurrencyNotSupported,
        ConcurrentUpdate,
    ),
    tags=["auctions"],
)
def post_relist(listing_id: _LISTING_ID) -> RelistedView:
    return auctions.wiring().api.relist(_me(), listing_id)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
