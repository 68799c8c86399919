"""Listings: create, read, change, end; images; promotion and deal; search; deals; a seller's listings."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import catalog
from workflows.catalog.commands import (  # noqa: TC001 - parsed at runtime
    CreateDeal,
    CreateListing,
    PromoteListing,
    RequestImageUpload,
    UpdateListing,
)
from workflows.catalog.errors import (
    CategoryNotFound,
    ConcurrentUpdate,
    CurrencyNotSupported,
    ImageNotFound,
    ImageNotUploaded,
    InvalidListing,
    ListingIsAuction,
    ListingNotActive,
    ListingNotFound,
    NotOwner,
    TooManyImages,
    UnsupportedImage,
)
from workflows.catalog.model import Condition  # noqa: TC001 - parsed at runtime
from workflows.catalog.search import DEFAULT_LIMIT, MAX_LIMIT, SearchQuery, Sort
from workflows.catalog.views import ImageUploadView, ListingPage, ListingView, SearchResults  # noqa: TC001 - read at runtime (OpenAPI)
from workflows.onboarding.errors import SellerRestricted
from workflows.shared.errors import (
    ContractError,
    IdempotencyKeyReused,
    InvalidCursor,
    SellerOnly,
    Unauthenticated,
)
from workflows.shared.fields import INT64_MAX

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()

_LISTING_ID = Annotated[str, Path(min_length=1, max_length=64, description="The listing's id")]
_LIMIT = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (default 20, max 100)")]
_CURSOR = Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")]
_OWNER = (
    (ContractError, "field details"),
    Unauthenticated,
    SellerOnly,
    NotOwner,
    (SellerRestricted, "Stripe restricted the seller: no new listings"),
    ListingNotFound,
    ListingNotActive,
    ConcurrentUpdate,
)


def _caller_id() -> str | None:
    authorizer = app.current_event.request_context.authorizer
    claims = (authorizer.claims if authorizer is not None else None) or {}
    sub = claims.get("sub")
    return str(sub) if sub else None


@app.post(
    "/listings",
    summary="List an item (sellers); validated against its category",
    status_code=HTTPStatus.CREATED,
    responses=error_responses(
        *_OWNER,
        (InvalidListing, "field details"),
        CategoryNotFound,
        (CurrencyNotSupported, "details.supported: the currencies a listing may use"),
        IdempotencyKeyReused,
    ),
    tags=["listings"],
)
def post_listing(
    command: CreateListing,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
) -> ListingView:
    return catalog.wiring().catalog.create_listing(caller(app), command, idempotency_key)


@app.get(
    "/listings",
    summary="Search active listings: text, filters, sort, cursor pagination, facets",
    responses=error_responses(ContractError, InvalidCursor, CategoryNotFound),
    tags=["listings"],
)
def search_listings(  # noqa: PLR0917 - one parameter per query-string filter
    q: Annotated[str | None, Query(max_length=200, description="Words (all must match)")] = None,
    category_id: Annotated[str | None, Query(description="This category and its descendants")] = None,
    condition: Annotated[Condition | None, Query()] = None,
    min_price: Annotated[int | None, Query(ge=0, le=INT64_MAX, description="Minor units")] = None,
    max_price: Annotated[int | None, Query(ge=0, le=INT64_MAX, description="Minor units")] = None,
    seller_id: Annotated[str | None, Query()] = None,
    sort: Annotated[Sort, Query()] = Sort.RELEVANCE,
    limit: _LIMIT = DEFAULT_LIMIT,
    cursor: _CURSOR = None,
) -> SearchResults:
    query = SearchQuery(
        text=q,
        category_id=category_id,
        condition=condition,
        min_price=min_price,
        max_price=max_price,
        seller_id=seller_id,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    return catalog.wiring().catalog.search(query)


@app.get(
    "/sellers/<seller_id>/listings",
    summary="A seller's active listings, newest first",
    responses=error_responses(ContractError, InvalidCursor),
    tags=["listings"],
)
def seller_listings(
    seller_id: Annotated[str, Path(min_length=1, max_length=64)],
    limit: _LIMIT = DEFAULT_LIMIT,
    cursor: _CURSOR = None,
) -> SearchResults:
    query = SearchQuery(seller_id=seller_id, sort=Sort.NEWEST, limit=limit, cursor=cursor)
    return catalog.wiring().catalog.search(query)


@app.get(
    "/listings/<listing_id>",
    summary="One listing",
    responses=error_responses(ListingNotFound),
    tags=["listings"],
)
def get_listing(listing_id: _LISTING_ID) -> ListingView:
    return catalog.wiring().catalog.get_listing(listing_id, _caller_id())


@app.patch(
    "/listings/<listing_id>",
    summary="Change a listing (its seller)",
    responses=error_responses(
        *_OWNER,
        (InvalidListing, "field details"),
        (CurrencyNotSupported, "details.supported: the currencies a listing may use"),
        (ListingIsAuction, "an auction's price and quantity cannot change"),
    ),
    tags=["listings"],
)
def patch_listing(listing_id: _LISTING_ID, command: UpdateListing) -> ListingView:
    return catalog.wiring().catalog.update_listing(caller(app), listing_id, command)


@app.delete(
    "/listings/<listing_id>",
    summary="End a listing (its seller): it leaves search; orders placed go on",
    status_code=HTTPStatus.NO_CONTENT,
    responses=error_responses(*_OWNER, (ListingIsAuction, "an auction ends early by POST .../end")),
    tags=["listings"],
)
def delete_listing(listing_id: _LISTING_ID) -> None:
    catalog.wiring().catalog.end_listing(caller(app), listing_id)


@app.post(
    "/listings/<listing_id>/images",
    summary="A presigned upload for one image (JPEG, PNG or WebP; size-limited)",
    status_code=HTTPStatus.CREATED,
    responses=error_responses(*_OWNER, UnsupportedImage, TooManyImages, ListingNotActive),
    tags=["listings"],
)
def post_image(listing_id: _LISTING_ID, command: RequestImageUpload) -> ImageUploadView:
    return catalog.wiring().catalog.request_image_upload(caller(app), listing_id, command)


@app.post(
    "/listings/<listing_id>/images/<image_id>/confirm",
    summary="The upload is done: the image joins the listing, in order (at most 12)",
    responses=error_responses(*_OWNER, ListingNotFound, ImageNotFound, ImageNotUploaded, TooManyImages),
    tags=["listings"],
)
def confirm_image(
    listing_id: _LISTING_ID, image_id: Annotated[str, Path(min_length=1, max_length=64)]
) -> ListingView:
    return catalog.wiring().catalog.confirm_image(caller(app), listing_id, image_id)


@app.post(
    "/listings/<listing_id>/promotion",
    summary="Promote a listing: ranks higher and is marked sponsored inside its window",
    responses=error_responses(*_OWNER),
    tags=["listings"],
)
def post_promotion(listing_id: _LISTING_ID, command: PromoteListing) -> ListingView:
    return catalog.wiring().catalog.promote_listing(caller(app), listing_id, command)


@app.post(
    "/listings/<listing_id>/deal",
    summary="Put a listing on deal: the discounted price applies inside the window",
    status_code=HTTPStatus.CREATED,
    responses=error_responses(*_OWNER),
    tags=["listings"],
)
def post_deal(listing_id: _LISTING_ID, command: CreateDeal) -> ListingView:
    return catalog.wiring().catalog.create_deal(caller(app), listing_id, command)


@app.get(
    "/deals",
    summary="Deals in effect now, by priority",
    responses=error_responses(ContractError, InvalidCursor),
    tags=["listings"],
)
def get_deals(limit: _LIMIT = DEFAULT_LIMIT, cursor: _CURSOR = None) -> ListingPage:
    return catalog.wiring().catalog.active_deals(limit, cursor)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
