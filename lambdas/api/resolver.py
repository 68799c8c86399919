"""The REST resolver every API function uses, with the one error registry.

Every error body is ``{"error": {"code", "message", "details"?}}``: a stable machine-readable
code and words a client developer understands. Never a stack trace, never a 500 for bad input.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from lambdas.api.auth import Unauthenticated
from lambdas.observability import logger
from workflows.shared.errors import (
    Conflict,
    ContractError,
    DomainError,
    IdempotencyKeyReused,
    NotFound,
    ResaleError,
    TooManyAttempts,
    TransientError,
)
from workflows.shared.identity import Forbidden

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.exceptions import NotFoundError

#: exception class → HTTP status; the most specific class listed first wins
STATUS_BY_ERROR: tuple[tuple[type[ResaleError], HTTPStatus], ...] = (
    (NotFound, HTTPStatus.NOT_FOUND),
    (Forbidden, HTTPStatus.FORBIDDEN),
    (Unauthenticated, HTTPStatus.UNAUTHORIZED),
    (TooManyAttempts, HTTPStatus.TOO_MANY_REQUESTS),
    (IdempotencyKeyReused, HTTPStatus.UNPROCESSABLE_ENTITY),
    (Conflict, HTTPStatus.CONFLICT),
    (ContractError, HTTPStatus.BAD_REQUEST),
    (DomainError, HTTPStatus.CONFLICT),
    (TransientError, HTTPStatus.SERVICE_UNAVAILABLE),
)


def error_response(status: HTTPStatus, code: str, message: str, details: Any = None) -> Response[Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body={"error": error})


def status_for(error: ResaleError) -> HTTPStatus:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(error, cls):
            return status
    return HTTPStatus.INTERNAL_SERVER_ERROR


def make_resolver() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)

    @app.exception_handler(ResaleError)  # type: ignore[untyped-decorator]
    def _resale_error(error: ResaleError) -> Response[Any]:
        status = status_for(error)
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            logger.exception("request failed", extra={"code": error.code})
        return error_response(status, error.code, error.message, error.details)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid(error: RequestValidationError) -> Response[Any]:
        fields = [
            {
                "field": ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path")),
                "problem": item.get("msg", "invalid"),
            }
            for item in error.errors()
        ]
        return error_response(
            HTTPStatus.BAD_REQUEST,
            "INVALID_REQUEST",
            "The request is not valid; see details.",
            {"fields": fields},
        )

    @app.not_found
    def _no_route(_: NotFoundError) -> Response[Any]:
        return error_response(HTTPStatus.NOT_FOUND, "ROUTE_NOT_FOUND", "No such route.")

    return app
