"""The caller's watchlist and saved searches: ``/me/watchlist``, ``/me/saved-searches``."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from lambdas import bootstrap
from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from workflows.catalog.commands import CreateSavedSearch  # noqa: TC001 - parsed at runtime
from workflows.catalog.search import DEFAULT_LIMIT, MAX_LIMIT
from workflows.catalog.views import SavedSearchPage, SavedSearchView, WatchPage, WatchView  # noqa: TC001 - read at runtime (OpenAPI)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()

_LISTING_ID = Annotated[str, Path(min_length=1, max_length=64)]
_COMMON = {401: "UNAUTHORIZED", 400: "INVALID_REQUEST"}


@app.put(
    "/me/watchlist/<listing_id>",
    summary="Watch a listing (idempotent)",
    responses=error_responses({**_COMMON, 404: "LISTING_NOT_FOUND"}),
    tags=["watchlist"],
)
def put_watch(listing_id: _LISTING_ID) -> WatchView:
    return bootstrap.catalog_alerts().watch(caller(app), listing_id)


@app.delete(
    "/me/watchlist/<listing_id>",
    summary="Stop watching a listing",
    status_code=HTTPStatus.NO_CONTENT,
    responses=error_responses(_COMMON),
    tags=["watchlist"],
)
def delete_watch(listing_id: _LISTING_ID) -> None:
    bootstrap.catalog_alerts().unwatch(caller(app), listing_id)


@app.get(
    "/me/watchlist",
    summary="Watched listings with their current price and status",
    responses=error_responses({**_COMMON, 400: "INVALID_REQUEST, INVALID_CURSOR"}),
    tags=["watchlist"],
)
def get_watchlist(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> WatchPage:
    return bootstrap.catalog_alerts().watchlist(caller(app), limit, cursor)


@app.post(
    "/me/saved-searches",
    summary="Save a search: a new listing it finds is announced (at most daily)",
    status_code=HTTPStatus.CREATED,
    responses=error_responses({**_COMMON, 409: "TOO_MANY_SAVED_SEARCHES"}),
    tags=["watchlist"],
)
def post_saved_search(command: CreateSavedSearch) -> SavedSearchView:
    return bootstrap.catalog_alerts().save_search(caller(app), command)


@app.get(
    "/me/saved-searches",
    summary="The caller's saved searches",
    responses=error_responses(_COMMON),
    tags=["watchlist"],
)
def get_saved_searches() -> SavedSearchPage:
    return bootstrap.catalog_alerts().saved_searches_of(caller(app))


@app.delete(
    "/me/saved-searches/<search_id>",
    summary="Delete a saved search",
    status_code=HTTPStatus.NO_CONTENT,
    responses=error_responses({**_COMMON, 404: "SAVED_SEARCH_NOT_FOUND"}),
    tags=["watchlist"],
)
def delete_saved_search(search_id: Annotated[str, Path(min_length=1, max_length=64)]) -> None:
    bootstrap.catalog_alerts().delete_saved_search(caller(app), search_id)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
