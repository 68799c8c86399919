"""The caller's watchlist and saved searches: ``/me/watchlist``, ``/me/saved-searches``."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import catalog
from workflows.catalog.commands import CreateSavedSearch  # noqa: TC001 - parsed at runtime
from workflows.catalog.errors import ListingNotFound, SavedSearchNotFound, TooManySavedSearches
from workflows.catalog.search import DEFAULT_LIMIT, MAX_LIMIT
from workflows.catalog.views import SavedSearchPage, SavedSearchView, WatchPage, WatchView  # noqa: TC001 - read at runtime (OpenAPI)
from workflows.shared.errors import ContractError, InvalidCursor, Unauthenticated

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()

_LISTING_ID = Annotated[str, Path(min_length=1, max_length=64)]
_COMMON = (Unauthenticated, ContractError)


@app.put(
    "/me/watchlist/<listing_id>",
    summary="Watch a listing (idempotent)",
    responses=error_responses(*_COMMON, ListingNotFound),
    tags=["watchlist"],
)
def put_watch(listing_id: _LISTING_ID) -> WatchView:
    return catalog.wiring().alerts.watch(caller(app), listing_id)


@app.delete(
    "/me/watchlist/<listing_id>",
    summary="Stop watching a listing",
    status_code=HTTPStatus.NO_CONTENT,
    responses=error_responses(*_COMMON),
    tags=["watchlist"],
)
def delete_watch(listing_id: _LISTING_ID) -> None:
    catalog.wiring().alerts.unwatch(caller(app), listing_id)


@app.get(
    "/me/watchlist",
    summary="Watched listings with their current price and status",
    responses=error_responses(*_COMMON, InvalidCursor),
    tags=["watchlist"],
)
def get_watchlist(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> WatchPage:
    return catalog.wiring().alerts.watchlist(caller(app), limit, cursor)


@app.post(
    "/me/saved-searches",
    summary="Save a search: a new listing it finds is announced (at most daily)",
    status_code=HTTPStatus.CREATED,
    responses=error_responses(*_COMMON, TooManySavedSearches),
    tags=["watchlist"],
)
def post_saved_search(command: CreateSavedSearch) -> SavedSearchView:
    return catalog.wiring().alerts.save_search(caller(app), command)


@app.get(
    "/me/saved-searches",
    summary="The caller's saved searches",
    responses=error_responses(*_COMMON),
    tags=["watchlist"],
)
def get_saved_searches() -> SavedSearchPage:
    return catalog.wiring().alerts.saved_searches_of(caller(app))


@app.delete(
    "/me/saved-searches/<search_id>",
    summary="Delete a saved search",
    status_code=HTTPStatus.NO_CONTENT,
    responses=error_responses(*_COMMON, SavedSearchNotFound),
    tags=["watchlist"],
)
def delete_saved_search(search_id: Annotated[str, Path(min_length=1, max_length=64)]) -> None:
    catalog.wiring().alerts.delete_saved_search(caller(app), search_id)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
