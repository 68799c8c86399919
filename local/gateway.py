"""The API Gateway emulator: HTTP on 127.0.0.1 → REST proxy events, exactly as the CDK API declares.

For each route of the topology it does what the deployed REST API does: a Cognito user-pool
authorizer on non-public routes (the id token's signature checked against the pool's JWKS,
its expiry, audience, issuer and token use; the claims handed to the function as
``requestContext.authorizer.claims``) and a Lambda proxy integration. Gateway errors (401,
404, 413) use the API's error shape, as the stack's gateway responses configure them
(``stacks/constructs/api.py`` ``GATEWAY_RESPONSES``). Local-only helpers live under ``/_local/``
and are never deployed.

CORS as the stack declares it (:class:`stacks.model.Cors`): ``OPTIONS`` on any resource of the
API is the preflight API Gateway answers itself (the matching origin, else the first allowed
one); the gateway's own errors name the first allowed origin (their headers are literals); a
function's answer is its own (the shared resolver adds the header for allowed origins).
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
from werkzeug.datastructures import Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from local.cloud.aws import LocalAws
    from local.cloud.provision import Provisioned
    from stacks.model import Cors
    from stacks.topology import FunctionTarget, Route, Topology

log = logging.getLogger("resale.local.gateway")

STAGE = "local"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
#: how far ahead of the clock a token's ``iat`` may be (PyJWT's check, on the local cloud's clock)
TOKEN_LEEWAY_S = 5
#: how many verified tokens' claims the gateway keeps (least recently used dropped first)
VERIFIED_TOKENS_KEPT = 4096


class GatewayError(Response):
    """An error API Gateway answers itself (one of its gateway responses), not an integration's."""


def _gateway_error(status: int, code: str, message: str) -> GatewayError:
    body = json.dumps({"error": {"code": code, "message": message}})
    return GatewayError(body, status=status, content_type="application/json")


@dataclass(frozen=True)
class CompiledRoute:
    route: Route
    pattern: re.Pattern[str]
    parameters: tuple[str, ...]


def resource_paths(routes: Iterable[Route]) -> set[str]:
    """Every resource of the REST API's tree: each route's path and all its parents (``/`` too)."""
    paths = {"/"}
    for route in routes:
        parts = route.path.strip("/").split("/")
        paths.update("/" + "/".join(parts[:n]) for n in range(1, len(parts) + 1))
    return paths


def _path_pattern(path: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{[A-Za-z0-9_]+\+\\\}", ".+", re.escape(path))
    return re.compile("^" + re.sub(r"\\\{[A-Za-z0-9_]+\\\}", "[^/]+", regex) + "$")


def compile_route(route: Route) -> CompiledRoute:
    """``/listings/{listing_id}`` → a regex with one named group per path parameter."""
    names: list[str] = []

    def group(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.endswith("+"):
            names.append(name[:-1])
            return f"(?P<{name[:-1]}>.+)"
        names.append(name)
        return f"(?P<{name}>[^/]+)"

    regex = re.sub(r"\\\{([A-Za-z0-9_+]+)\\\}", group, re.escape(route.path))
    return CompiledRoute(route, re.compile(f"^{regex}$"), tuple(names))


class TokenVerifier:
    """Verifies Cognito id tokens as the REST API's Cognito authorizer does."""

    def __init__(self, *, jwks_url: str, issuer: str, audience: str, clock: Callable[[], float]) -> None:
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True)
        self._issuer = issuer
        self._audience = audience
        self._clock = clock
        #: claims of tokens whose signature, issuer, audience and use were checked, by token (as
        #: API Gateway caches an authorizer's answer per token); the times are checked every call
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._verified_lock = threading.Lock()

    def verify(self, token: str) -> dict[str, Any]:
        with self._verified_lock:
            claims = self._verified.get(token)
            if claims is not None:
                self._verified.move_to_end(token)
        if claims is None:
            claims = self._verify_signature(token)
            with self._verified_lock:
                self._verified[token] = claims
                while len(self._verified) > VERIFIED_TOKENS_KEPT:
                    self._verified.popitem(last=False)
        now = self._clock()
        if float(claims["exp"]) <= now:
            raise jwt.ExpiredSignatureError("token expired")
        if float(claims["iat"]) > now + TOKEN_LEEWAY_S:
            raise jwt.ImmatureSignatureError("token issued in the future")
        return copy.deepcopy(claims)  # a caller's changes never reach the kept claims

    def _verify_signature(self, token: str) -> dict[str, Any]:
        key = self._jwks.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=self._audience,
            issuer=self._issuer,
            # the times are checked against the local cloud's clock, which may be ahead of real time
            options={
                "require": ["exp", "iat", "sub", "token_use"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
        if claims["token_use"] != "id":  # noqa: S105 - a claim value, not a secret
            raise jwt.InvalidTokenError("not an id token")
        return claims


def authorizer_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as the REST API hands them to a function: every value a string."""
    out: dict[str, str] = {}
    for name, value in claims.items():
        if isinstance(value, list):
            out[name] = ",".join(str(v) for v in value)
        else:
            out[name] = str(value)
    return out


class Gateway:
    """A WSGI application serving the topology's routes and the local helpers."""

    def __init__(
        self,
        aws: LocalAws,
        topology: Topology,
        provisioned: Provisioned,
        *,
        clock: Callable[[], float] = time.time,
        cors: Cors,
        local_apps: dict[str, WSGIApplication] | None = None,
        local_config: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self._aws = aws
        self._provisioned = provisioned
        self.cors = cors
        self._routes = [compile_route(r) for r in topology.routes]
        self._resources = [_path_pattern(path) for path in sorted(resource_paths(topology.routes))]
        self._local_apps = local_apps or {}
        self._local_config = local_config
        pool_id = provisioned.user_pool_id
        issuer = f"https://cognito-idp.{aws.region}.amazonaws.com/{pool_id}"
        self.verifier = TokenVerifier(
            jwks_url=f"{aws.endpoint_url}/{pool_id}/.well-known/jwks.json",
            issuer=issuer,
            audience=provisioned.user_pool_client_id,
            clock=clock,
        )
        self.latencies_ms: list[float] = []

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        started = time.perf_counter()
        response = self.dispatch(request)
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        return response(environ, start_response)

    # -- routing ---------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path == "/_local/config" and self._local_config is not None:
            return Response(json.dumps(self._local_config(), indent=2), content_type="application/json")
        for prefix, app in self._local_apps.items():
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return Response.from_app(app, request.environ)
        response = self._route(request)
        if isinstance(response, GatewayError):
            # API Gateway's own error: its gateway response's literal CORS headers
            response.headers["Access-Control-Allow-Origin"] = self.cors.fixed_origin
            response.headers["Vary"] = "Origin"
        return response

    def _route(self, request: Request) -> Response:
        path = request.path
        # a chunked body has no Content-Length: read at most one byte more than the limit
        request.max_content_length = MAX_BODY_BYTES + 1
        try:
            too_large = len(request.get_data()) > MAX_BODY_BYTES
        except RequestEntityTooLarge:  # its Content-Length says more
            too_large = True
        if too_large:
            return _gateway_error(413, "PAYLOAD_TOO_LARGE", "The request body is larger than 10 MB.")
        if request.method == "OPTIONS" and any(p.match(path) for p in self._resources):
            return self._preflight(request)
        allowed: list[str] = []
        for compiled in self._routes:
            match = compiled.pattern.match(path)
            if match is None:
                continue
            if compiled.route.method != request.method:
                allowed.append(compiled.route.method)
                continue
            return self._serve(compiled, match.groupdict(), request)
        # API Gateway answers an unknown method like an unknown path (MISSING_AUTHENTICATION_TOKEN,
        # which the stack's gateway responses turn into this 404)
        hint = f" This path takes {', '.join(sorted(set(allowed)))}." if allowed else ""
        return _gateway_error(404, "ROUTE_NOT_FOUND", f"No route for {request.method} {path}.{hint}")

    def _preflight(self, request: Request) -> Response:
        """The mock OPTIONS method CDK's ``default_cors_preflight_options`` puts on every resource."""
        cors = self.cors
        response = Response(status=cors.preflight_status)
        response.headers["Access-Control-Allow-Headers"] = ",".join(cors.allow_headers)
        response.headers["Access-Control-Allow-Origin"] = cors.preflight_origin(request.headers.get("Origin"))
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Methods"] = ",".join(cors.allow_methods)
        response.headers["Access-Control-Max-Age"] = str(cors.max_age_s)
        return response

    def _serve(self, compiled: CompiledRoute, path_parameters: dict[str, str], request: Request) -> Response:
        route = compiled.route
        claims: dict[str, Any] | None = None
        if route.auth != "public":
            header = request.headers.get("Authorization", "")
            token = header[7:].strip() if header.lower().startswith("bearer ") else header.strip()
            if not token:
                return _gateway_error(
                    401, "UNAUTHORIZED", "This route needs an 'Authorization: Bearer <id token>' header."
                )
            try:
                claims = self.verifier.verify(token)
            except jwt.ExpiredSignatureError:
                return _gateway_error(
                    401, "UNAUTHORIZED", "The incoming token has expired; log in or refresh it."
                )
            except (jwt.PyJWTError, ValueError, KeyError):
                return _gateway_error(401, "UNAUTHORIZED", "The token is not valid for this API.")
        return self._invoke(route, route.target, path_parameters, request, claims)

    # -- integrations ----------------------------------------------------------------------

    def proxy_event(
        self, route: Route, path_parameters: dict[str, str], request: Request, claims: dict[str, Any] | None
    ) -> dict[str, Any]:
        raw = request.get_data()
        try:
            body: str | None = raw.decode("utf-8") if raw else None
            is_base64 = False
        except UnicodeDecodeError:
            body, is_base64 = base64.b64encode(raw).decode("ascii"), True
        headers = dict(request.headers.items())
        multi_headers: dict[str, list[str]] = {}
        for k, v in request.headers.items():
            multi_headers.setdefault(k, []).append(v)
        query = {k: request.args.getlist(k)[-1] for k in request.args}
        multi_query = {k: request.args.getlist(k) for k in request.args}
        request_id = str(uuid.uuid4())
        context: dict[str, Any] = {
            "accountId": self._aws.account_id,
            "apiId": "local",
            "resourceId": "local",
            "resourcePath": route.path,
            "httpMethod": request.method,
            "path": f"/{STAGE}{request.path}",
            "protocol": "HTTP/1.1",
            "stage": STAGE,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.user_agent.string,
            },
        }
        if claims is not None:
            context["authorizer"] = {"claims": authorizer_claims(claims)}
        return {
            "resource": route.path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": context,
            "body": body,
            "isBase64Encoded": is_base64,
        }

    def _invoke(
        self,
        route: Route,
        target: FunctionTarget,
        path_parameters: dict[str, str],
        request: Request,
        claims: dict[str, Any] | None,
    ) -> Response:
        event = self.proxy_event(route, path_parameters, request, claims)
        result = self._aws.functions.invoke(self._provisioned.physical_name(target.function), event)
        if result.error_type is not None:
            log.error("%s raised %s: %s", target.function, result.error_type, result.error_message)
            return _gateway_error(
                502, "INTERNAL_ERROR", "The service failed to answer; the error was logged."
            )
        payload = result.payload
        if not isinstance(payload, dict) or "statusCode" not in payload:
            return _gateway_error(502, "INTERNAL_ERROR", "The service answered in an unexpected shape.")
        headers = Headers()
        for name, value in (payload.get("headers") or {}).items():
            headers[name] = str(value)
        for name, values in (payload.get("multiValueHeaders") or {}).items():
            for value in values:
                headers.add(name, str(value))
        body = payload.get("body") or ""
        data = base64.b64decode(body) if payload.get("isBase64Encoded") else str(body).encode("utf-8")
        typed = "Content-Type" in headers
        response = Response(data, status=int(payload["statusCode"]), headers=headers)
        if not typed:
            del response.headers["Content-Type"]  # as the function answered (a 204 has none), not werkzeug's
        return response
