"""Categories: ``GET /categories`` (public, the whole tree); create, change, delete (admins)."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import catalog
from workflows.catalog.commands import CreateCategory, UpdateCategory  # noqa: TC001 - parsed at runtime
from workflows.catalog.errors import CategoryExists, CategoryInUse, CategoryNotFound, InvalidCategory
from workflows.catalog.views import CategoryTree, CategoryView  # noqa: TC001 - read at runtime (OpenAPI)
from workflows.shared.errors import AdminOnly, ContractError, TransientError, Unauthenticated

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()

_CATEGORY_ID = Annotated[str, Path(min_length=1, max_length=64, description="The category's id")]
_ADMIN = (ContractError, InvalidCategory, Unauthenticated, AdminOnly, CategoryNotFound)


@app.get(
    "/categories",
    summary="The whole category tree, with item specifics and conditions",
    responses=error_responses(TransientError),
    tags=["catalog"],
)
def get_categories() -> CategoryTree:
    return catalog.wiring().catalog.category_tree()


@app.post(
    "/categories",
    summary="Add a category (admins)",
    status_code=HTTPStatus.CREATED,
    responses=error_responses(*_ADMIN, (CategoryExists, "the slug is taken")),
    tags=["catalog"],
)
def post_category(command: CreateCategory) -> CategoryView:
    return catalog.wiring().catalog.create_category(caller(app), command)


@app.patch(
    "/categories/<category_id>",
    summary="Change a category (admins)",
    responses=error_responses(*_ADMIN),
    tags=["catalog"],
)
def patch_category(category_id: _CATEGORY_ID, command: UpdateCategory) -> CategoryView:
    return catalog.wiring().catalog.update_category(caller(app), category_id, command)


@app.delete(
    "/categories/<category_id>",
    summary="Delete a category without subcategories or listings (admins)",
    status_code=HTTPStatus.NO_CONTENT,
    responses=error_responses(*_ADMIN, CategoryInUse),
    tags=["catalog"],
)
def delete_category(category_id: _CATEGORY_ID) -> None:
    catalog.wiring().catalog.delete_category(caller(app), category_id)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
