"""GET /openapi.json: one OpenAPI document generated from every API module's resolver.

Each module that serves a route (the topology tells this function which: ``API_MODULES``) has a
Powertools resolver that knows its routes and pydantic models; their documents are merged, and
the error responses every route can give (the API's error shape, never Powertools' default 422)
are written in.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Any

from lambdas.api.resolver import make_resolver
from lambdas.observability import logger
from lambdas.wiring.platform import OpenApiSettings
from lambdas.wiring.settings import load

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from aws_lambda_powertools.utilities.typing import LambdaContext

TITLE = "Resale API"
VERSION = "1.0.0"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable, machine-readable (e.g. LISTING_NOT_AVAILABLE)",
                },
                "message": {"type": "string", "description": "What was wrong, for a client developer"},
                "details": {"type": "object", "description": "Optional, e.g. field errors"},
            },
        }
    },
}

#: status → the codes it carries, in words; every operation may answer these (the gateway's own)
COMMON_ERRORS = {
    "400": "INVALID_REQUEST, INVALID_JSON: invalid input (or a route-specific code)",
    "401": "UNAUTHORIZED: no token, or a token that is not valid for this API",
    "404": "ROUTE_NOT_FOUND, or a route-specific code: not found, also someone else's private resource",
    "429": "TOO_MANY_REQUESTS: too many requests or attempts",
}
PRIVATE_ONLY = {"401"}
#: what every operation that reads a body may answer too (lambdas.api.resolver reads bodies)
BODY_ERRORS = {
    "413": "PAYLOAD_TOO_LARGE: the body is larger than the API reads",
    "415": "UNSUPPORTED_MEDIA_TYPE: the body is not application/json (UTF-8)",
}

app = make_resolver()


def _is_default_validation_error(response: dict[str, Any] | None) -> bool:
    """Powertools' own 422 (its validation error model), not a route's documented 422."""
    if response is None:
        return False
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).endswith("/HTTPValidationError")


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def merge(resolvers: dict[str, APIGatewayRestResolver], public_paths: set[tuple[str, str]]) -> dict[str, Any]:
    """One document from several resolvers' documents."""
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION},
        "paths": {},
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "cognito": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (Cognito id token)"}
            },
        },
    }
    for module, resolver in resolvers.items():
        part = resolver.get_openapi_schema(title=TITLE, version=VERSION).model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
        for path, operations in part.get("paths", {}).items():
            merged = document["paths"].setdefault(path, {})
            for method, operation in operations.items():
                if method in merged:
                    raise ValueError(f"{method.upper()} {path} is served by two modules (one is {module})")
                responses = operation.setdefault("responses", {})
                if _is_default_validation_error(responses.get("422")):
                    del responses["422"]  # validation errors are 400s in the API's error shape
                for response in responses.values():
                    if response.get("content") == {}:
                        del response["content"]  # a 204: no body, no content type
                body_errors = BODY_ERRORS if "requestBody" in operation else {}
                for status, description in {**COMMON_ERRORS, **body_errors}.items():
                    if status in PRIVATE_ONLY and (method.upper(), path) in public_paths:
                        continue
                    responses.setdefault(status, _error_response(description))
                if (method.upper(), path) not in public_paths:
                    operation["security"] = [{"cognito": []}]
                merged[method] = operation
        for name, schema in part.get("components", {}).get("schemas", {}).items():
            if name in {"HTTPValidationError", "ValidationError", "ResponseValidationError"}:
                continue
            document["components"]["schemas"].setdefault(name, schema)
    return document


@cache
def document() -> dict[str, Any]:
    settings = load(OpenApiSettings)
    resolvers = {name: importlib.import_module(name).app for name in settings.api_modules}
    public = {(method, path) for method, path in settings.public_routes}
    return merge(resolvers, public)


@app.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return document()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
