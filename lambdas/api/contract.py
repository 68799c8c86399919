"""One way of declaring a route's success: ``status_code=`` on the route, as Powertools has it.

Powertools writes a route's success response into the OpenAPI document only when the route
declares no ``responses=``; every route here declares its error responses, so on its own it
would document no success at all. ``ContractResolver.route`` puts the success response back
from ``status_code`` (the return annotation's model, or no content for a 204), and the handler
answers that same status: a returned model is sent with the route's ``status_code`` (Powertools
does that), ``None`` is an empty 204 with no content type, and ``answer`` builds a response with
the route's status when a handler needs headers too. Another success status a route can answer
(a 204 beside a 200) is declared in ``responses=`` with ``no_content`` (and the model of the
main one with ``with_model``, since the handler's annotation then admits ``None``).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.constants import (
    DEFAULT_OPENAPI_RESPONSE_DESCRIPTION,
    DEFAULT_STATUS_CODE,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from aws_lambda_powertools.event_handler.api_gateway import Route
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
    from aws_lambda_powertools.shared.types import AnyCallableT


def success_response(status: int, description: str | None = None) -> OpenAPIResponse:
    """The success response of ``status``: Powertools fills in the return model, a 204 has no body."""
    text = description or HTTPStatus(status).phrase
    if status == HTTPStatus.NO_CONTENT:
        return {"description": text, "content": {}}
    return {"description": text}


class ContractResolver(APIGatewayRestResolver):
    """Powertools' REST resolver; each route's success status is declared once and answered."""

    def route(  # noqa: PLR0917 - Powertools' own signature, called positionally by get/post/...
        self,
        rule: str,
        method: str | list[str] | tuple[str],
        cors: bool | None = None,
        compress: bool = False,
        cache_control: str | None = None,
        summary: str | None = None,
        description: str | None = None,
        responses: dict[int, OpenAPIResponse] | None = None,
        response_description: str = DEFAULT_OPENAPI_RESPONSE_DESCRIPTION,
        tags: list[str] | None = None,
        operation_id: str | None = None,
        include_in_schema: bool = True,
        security: list[dict[str, list[str]]] | None = None,
        openapi_extensions: dict[str, Any] | None = None,
        deprecated: bool = False,
        enable_validation: bool | None = None,
        custom_response_validation_http_code: int | HTTPStatus | None = None,
        status_code: int = DEFAULT_STATUS_CODE,
        middlewares: list[Callable[..., Any]] | None = None,
    ) -> Callable[[AnyCallableT], AnyCallableT]:
        declared = dict(responses or {})
        if status_code not in declared:
            custom = response_description != DEFAULT_OPENAPI_RESPONSE_DESCRIPTION
            declared[status_code] = success_response(status_code, response_description if custom else None)
        return super().route(
            rule,
            method,
            cors,
            compress,
            cache_control,
            summary,
            description,
            dict(sorted(declared.items())),
            response_description,
            tags,
            operation_id,
            include_in_schema,
            security,
            openapi_extensions,
            deprecated,
            enable_validation,
            custom_response_validation_http_code,
            status_code,
            middlewares,
        )

    def _current_route(self) -> Route | None:
        route: Route | None = self.context.get("_route")
        return route

    def declared_status(self) -> int:
        """The success status the route being served declares."""
        route = self._current_route()
        return route.status_code if route is not None else DEFAULT_STATUS_CODE

    def answer(self, body: Any, headers: Mapping[str, str] | None = None) -> Response[Any]:
        """The route's declared success status with a JSON body (for a handler that sets headers)."""
        return Response(
            status_code=self.declared_status(),
            content_type=content_types.APPLICATION_JSON,
            body=body,
            headers=headers,
        )

    def _to_response(self, result: Any) -> Any:
        if result is None:  # a route that answers nothing: its status, no body, no content type
            return Response(status_code=self.declared_status())
        return super()._to_response(result)


def with_model(status: int, model: type[Any], description: str | None = None) -> dict[int, OpenAPIResponse]:
    """A success response of ``model`` given explicitly (when the annotation cannot say it alone)."""
    return {
        status: {
            "description": description or HTTPStatus(status).phrase,
            "content": {content_types.APPLICATION_JSON: {"model": model}},
        }
    }


def no_content(description: str) -> dict[int, OpenAPIResponse]:
    """A route's other success: 204, no body (``responses={**no_content(...), **errors}``)."""
    return {HTTPStatus.NO_CONTENT: success_response(HTTPStatus.NO_CONTENT, description)}
