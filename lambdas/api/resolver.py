"""The REST resolver every API function uses, with the one HTTP mapping of the error registry.

Every error body is ``{"error": {"code", "message", "details"?}}``: a stable machine-readable
code and words a client developer understands. Never a stack trace, never a 500 for bad input.
Every :class:`ResaleError` is answered by the one handler here, with its details; its status
follows from its kind (:data:`STATUS_BY_KIND`), and the OpenAPI document declares each route's
errors from the same classes (``lambdas.api.docs.error_responses``).

Every answer (a route's, an error's, the not-found one) carries ``Access-Control-Allow-Origin``
when the request's ``Origin`` is one of the stage's allowed origins (``CORS_ALLOWED_ORIGINS``),
and none otherwise; API Gateway answers the preflight itself (``stacks/constructs/api.py``).

Bodies are UTF-8 JSON, read once here for every route (:class:`JsonRequestValidation`, which
runs before Powertools validates a route's parameters): another content type is a 415
``UNSUPPORTED_MEDIA_TYPE``, a body over :data:`MAX_BODY_BYTES` a 413 ``PAYLOAD_TOO_LARGE``,
bytes that are not UTF-8, text that is not JSON (``NaN`` included) or nesting deeper than
:data:`MAX_JSON_DEPTH` a 400 ``INVALID_JSON``; a string with a control character or a lone
surrogate (in the body, a path or a query parameter) and an integer beyond 64 bits are a 400
``INVALID_REQUEST`` naming the field, before any model, store or provider sees them.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import math
from functools import cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from lambdas.api.contract import ContractResolver
from lambdas.observability import logger
from lambdas.wiring.settings import CorsSettings, load
from workflows.shared.errors import (
    Conflict,
    ContractError,
    DomainError,
    Forbidden,
    IdempotencyKeyReused,
    NotFound,
    ResaleError,
    TooManyAttempts,
    TransientError,
    Unauthenticated,
)
from workflows.shared.fields import INT64_MAX, INT64_MIN, text_problem

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aws_lambda_powertools.event_handler.exceptions import NotFoundError
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
    from aws_lambda_powertools.event_handler.types import EventHandlerInstance
    from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent


class PayloadTooLarge(ContractError):
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(ContractError):
    code = "UNSUPPORTED_MEDIA_TYPE"


class InvalidJson(ContractError):
    code = "INVALID_JSON"


class RouteNotFound(NotFound):
    """No route answers this method and path."""

    code = "ROUTE_NOT_FOUND"


#: error kind → HTTP status: the one mapping for every error class of the registry, which is
#: answered with the status of the first kind it is a subclass of (the most specific is listed
#: first); anything else (``ResaleError`` itself, a platform misconfiguration) is a 500
STATUS_BY_KIND: tuple[tuple[type[ResaleError], HTTPStatus], ...] = (
    (NotFound, HTTPStatus.NOT_FOUND),
    (Forbidden, HTTPStatus.FORBIDDEN),
    (Unauthenticated, HTTPStatus.UNAUTHORIZED),
    (TooManyAttempts, HTTPStatus.TOO_MANY_REQUESTS),
    (PayloadTooLarge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (UnsupportedMediaType, HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
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


def status_of(kind: type[ResaleError]) -> HTTPStatus:
    """The status every error of this class is answered with."""
    for cls, status in STATUS_BY_KIND:
        if issubclass(kind, cls):
            return status
    return HTTPStatus.INTERNAL_SERVER_ERROR


def status_for(error: ResaleError) -> HTTPStatus:
    return status_of(type(error))


#: request headers a browser may send (the stack's preflight allows the same)
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key")


@cache
def cors_settings() -> CorsSettings:
    return load(CorsSettings)


class StageCors(CORSConfig):
    """Powertools' CORS with the stage's allowed origins, read on the first request.

    The resolvers are built when their module is imported; the origins are read from the
    settings when a request first needs them, so importing a module reads no environment.
    Only an allowed origin is ever echoed; ``Vary: Origin`` tells caches the answer depends on it.
    """

    def __init__(self) -> None:
        super().__init__(allow_origin="", allow_headers=list(CORS_ALLOW_HEADERS))

    @staticmethod
    def origins() -> tuple[str, ...]:
        return cors_settings().allowed_origins

    def allowed_origin(self, extracted_origin: str) -> str | None:
        return extracted_origin if extracted_origin in self.origins() else None

    def to_dict(self, origin: str | None) -> dict[str, str]:
        if not origin or origin not in self.origins():
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Headers": CORSConfig.build_allow_methods(self.allow_headers),
            "Vary": "Origin",
        }


# -- what a request carries: its body, path and query ---------------------------------------

#: the largest body a route reads: far above any request of this API (a listing's 20 000
#: characters of description are under 100 kB), far below Lambda's 6 MB invocation payload
MAX_BODY_BYTES = 1024 * 1024
#: the deepest nesting of objects and arrays a body may have (the API's own models need 4)
MAX_JSON_DEPTH = 32
#: at most this many field problems are listed in one answer
MAX_PROBLEMS = 20


class _NotAJsonNumber(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _NotAJsonNumber(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotAJsonNumber(f"the number {text[:40]} is out of range")
    return value


def _check_content_type(content_type: str) -> None:
    """A body is JSON in UTF-8: ``application/json``, with no charset or ``charset=utf-8``."""
    if not content_type.strip():
        return  # no type given: read as JSON, as Powertools does
    kind, _, parameters = content_type.partition(";")
    charset = "utf-8"
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if kind.strip().lower() != content_types.APPLICATION_JSON or charset not in {"utf-8", "utf8"}:
        raise UnsupportedMediaType(
            f"The request body must be UTF-8 JSON (Content-Type: application/json), "
            f"not {content_type.strip()[:100]!r}.",
            details={"supported": [content_types.APPLICATION_JSON]},
        )


def _body_text(event: BaseProxyEvent) -> str | None:
    """The body as text: at most :data:`MAX_BODY_BYTES`, UTF-8 (API Gateway base64-encodes other bytes)."""
    raw = event.body
    if not raw:
        return None
    _check_content_type(event.headers.get("content-type") or "")
    if not event.is_base64_encoded:
        data = raw.encode("utf-8", "surrogatepass")
    else:
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidJson("The request body could not be read; send UTF-8 JSON.") from exc
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"The request body is larger than {MAX_BODY_BYTES // 1024} kB.",
            details={"max_bytes": MAX_BODY_BYTES},
        )
    if not event.is_base64_encoded:
        return raw
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidJson(
            f"The request body is not UTF-8 (byte {exc.start} cannot start or continue a character); "
            "send UTF-8 JSON."
        ) from exc


def _too_deep() -> InvalidJson:
    return InvalidJson(f"The request body nests objects and arrays deeper than {MAX_JSON_DEPTH} levels.")


def _parse(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise _too_deep() from exc
    except json.JSONDecodeError as exc:
        raise InvalidJson(
            f"The request body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).",
            details={"position": exc.pos},
        ) from exc
    except _NotAJsonNumber as exc:
        raise InvalidJson(f"The request body is not valid JSON: {exc}.") from exc
    except ValueError as exc:  # an integer of more digits than Python reads (4300)
        raise InvalidJson("The request body is not valid JSON: a number in it has too many digits.") from exc


def _document_problems(document: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, problem) for each string and integer a request may not carry; too deep raises."""
    stack: list[tuple[tuple[str | int, ...], Any, int]] = [((), document, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise _too_deep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            children: list[tuple[tuple[str | int, ...], Any, int]] = []
            for key, item in items:
                key_problem = text_problem(key) if isinstance(key, str) else None
                if key_problem is not None:
                    yield (*path, key), f"the field name {key_problem}"
                children.append(((*path, key), item, depth + 1))
            stack.extend(reversed(children))  # depth first, in the document's order
        elif isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                yield path, problem
        elif isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
            yield path, f"is out of range: an integer must lie between {INT64_MIN} and {INT64_MAX}"


def _refuse(problems: Iterator[tuple[tuple[str | int, ...], str]]) -> None:
    errors = [
        {"loc": loc, "msg": problem, "type": "value_error"}
        for loc, problem in itertools.islice(problems, MAX_PROBLEMS)
    ]
    if errors:
        raise RequestValidationError(errors)


def read_json_body(event: BaseProxyEvent) -> Any:
    """The request's JSON document (None when there is no body), or the 4xx that refuses it."""
    text = _body_text(event)
    if text is None:
        return None
    document = _parse(text)
    _refuse((("body", *path), problem) for path, problem in _document_problems(document))
    return document


def check_parameters(event: BaseProxyEvent) -> None:
    """Path and query parameters carry text only (no control character, no lone surrogate)."""

    def problems() -> Iterator[tuple[tuple[str | int, ...], str]]:
        path_parameters: dict[str, str] = event.get("pathParameters") or {}
        for name, value in path_parameters.items():
            problem = text_problem(value)
            if problem is not None:
                yield ("path", name), problem
        query = dict(event.multi_value_query_string_parameters)
        for name, value in event.query_string_parameters.items():
            query.setdefault(name, [value])
        for name, values in query.items():
            for value in values:
                problem = text_problem(name) or text_problem(value)
                if problem is not None:
                    yield ("query", name), problem
                    break

    _refuse(problems())


class JsonRequestValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, reading what a request carries as this API accepts it.

    Powertools decodes a body with ``bytes.decode()`` and ``json.loads`` and reads multipart
    and form bodies: not UTF-8, no boundary or a deep nesting raise errors it does not catch
    (a 5xx). Here the body is read by :func:`read_json_body` and the path and query by
    :func:`check_parameters` first, so a bad request is a 4xx in the API's error shape.
    ``tests/api/test_bad_input.py`` fails if Powertools stops calling ``_get_body``.
    """

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Powertools' own, untyped

    def handler(self, app: EventHandlerInstance, next_middleware: NextMiddleware) -> Response[Any]:
        check_parameters(app.current_event)
        return super().handler(app, next_middleware)

    def _get_body(self, app: EventHandlerInstance) -> Any:
        return read_json_body(app.current_event)


#: where Powertools says a parameter came from: the first element of an error's ``loc``
_PARAMETER_SOURCES = frozenset({"body", "query", "path", "header", "cookie"})


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "query", "min_price")`` → ``query.min_price`` (a field may be called ``query``)."""
    parts = list(loc)
    if parts and parts[0] in _PARAMETER_SOURCES:
        parts = parts[1:]
    return ".".join(str(part) for part in parts)


def make_resolver() -> ContractResolver:
    app = ContractResolver(enable_validation=True, cors=StageCors())
    # read by each route when it first builds its middleware stack (Powertools' own attribute)
    app._request_validation_middleware = JsonRequestValidation()

    @app.exception_handler(ResaleError)  # type: ignore[untyped-decorator]
    def _resale_error(error: ResaleError) -> Response[Any]:
        status = status_for(error)
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            logger.exception("request failed", extra={"code": error.code})
        return error_response(status, error.code, error.message, error.details)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid(error: RequestValidationError) -> Response[Any]:
        fields = [
            {"field": _field_name(item.get("loc", ())), "problem": item.get("msg", "invalid")}
            for item in error.errors()
        ]
        return error_response(
            status_of(ContractError),
            ContractError.code,
            "The request is not valid; see details.",
            {"fields": fields},
        )

    @app.not_found
    def _no_route(_: NotFoundError) -> Response[Any]:
        return error_response(status_of(RouteNotFound), RouteNotFound.code, "No such route.")

    return app
