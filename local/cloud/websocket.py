"""The WebSocket API emulator: a real WebSocket server on 127.0.0.1 per :class:`WebSocketApi`
of the topology, and its ``@connections`` management endpoint. Never deployed.

What it does is what API Gateway does for a WebSocket API with Lambda proxy integrations:

- the upgrade request runs the REQUEST authorizer (identity source: the ``token`` query string
  parameter): an error is a 401 and a Deny a 403, and no socket opens; then ``$connect`` with
  the authorizer's context in ``requestContext.authorizer``: anything but a 2xx refuses it;
- each text frame is routed by ``route_selection_expression`` (``$request.body.action``) to its
  route, or ``$default``; the function gets a ``MESSAGE`` event with the frame as ``body``;
  nothing is sent back for a route without a route response (the handlers push instead);
- a closed socket runs ``$disconnect``;
- ``POST /@connections/{id}`` sends a frame to that socket, ``GET`` describes it, ``DELETE``
  closes it; a socket that is not open is **410 GoneException** (moto's stand-in never says so);
- API Gateway's quotas: a message over 128 KB closes the socket (1009), a connection lives at
  most two hours and an idle one (no frame either way) ten minutes, on the local cloud's clock:
  overdue sockets are closed (1001) whenever a push or a frame comes, and by :meth:`sweep`.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve
from werkzeug.wrappers import Request, Response

from local.http import RunningServer
from local.http import serve as serve_http

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from wsgiref.types import StartResponse, WSGIEnvironment

    from websockets.http11 import Request as WsRequest
    from websockets.http11 import Response as WsResponse

    from local.cloud.functions import InvocationResult
    from stacks.model import WebSocketApi

log = logging.getLogger("resale.local.websocket")

STAGE = "local"
#: API Gateway's quotas for WebSocket APIs
MAX_MESSAGE_BYTES = 128 * 1024
MAX_CONNECTION_S = 7_200
IDLE_TIMEOUT_S = 600


@dataclass
class _Socket:
    connection_id: str
    connection: ServerConnection
    authorizer: dict[str, Any]
    connected_at: float
    last_active: float
    source_ip: str
    user_agent: str
    lock: threading.Lock = field(default_factory=threading.Lock)


class LocalWebSocketApi:
    """One WebSocket API served locally: :meth:`start` binds both ports, :meth:`attach` plugs in
    the functions (provisioning needs the management URL before the functions exist)."""

    def __init__(
        self, api: WebSocketApi, *, clock: Callable[[], float], region: str, account_id: str
    ) -> None:
        self.api = api
        self._clock = clock
        self._region = region
        self._account_id = account_id
        self._invoke: Callable[[str, dict[str, Any]], InvocationResult] | None = None
        self._sockets: dict[str, _Socket] = {}
        self._pending: dict[int, _Socket] = {}
        self._lock = threading.Lock()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._management: RunningServer | None = None
        #: what happened, for tests: (what, connection id)
        self.log: list[tuple[str, str]] = []

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> LocalWebSocketApi:
        self._server = serve(
            self._serve,
            "127.0.0.1",
            0,
            process_request=self._handshake,
            max_size=MAX_MESSAGE_BYTES,
            compression=None,
            ping_interval=None,
            server_header="resale-local-websocket",
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"websocket-{self.api.name}", daemon=True
        )
        self._thread.start()
        self._management = serve_http(self._management_app, f"websocket-{self.api.name}-connections")
        return self

    def attach(self, invoke: Callable[[str, dict[str, Any]], InvocationResult]) -> None:
        """``invoke(function_name, event)``: the topology's function by its logical name."""
        self._invoke = invoke

    def stop(self) -> None:
        for socket in list(self._sockets.values()):
            socket.connection.close(1001, "going away")
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._management is not None:
            self._management.stop()

    @property
    def url(self) -> str:
        """Where clients connect: ``ws://127.0.0.1:<port>`` (add ``?token=<id token>``)."""
        if self._server is None:
            raise RuntimeError("the WebSocket API is not started")
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}"

    @property
    def management_url(self) -> str:
        """The ``@connections`` endpoint (a deployed stage's callback URL)."""
        if self._management is None:
            raise RuntimeError("the WebSocket API is not started")
        return self._management.url

    def open_connections(self) -> list[str]:
        with self._lock:
            return list(self._sockets)

    # -- the events API Gateway sends --------------------------------------------------------

    def _context(self, socket: _Socket, route_key: str, event_type: str) -> dict[str, Any]:
        now_ms = int(self._clock() * 1000)
        request_id = str(uuid.uuid4())
        return {
            "routeKey": route_key,
            "eventType": event_type,
            "messageDirection": "IN",
            "stage": STAGE,
            "apiId": f"local-{self.api.name}",
            "domainName": "127.0.0.1",
            "connectionId": socket.connection_id,
            "connectedAt": int(socket.connected_at * 1000),
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTimeEpoch": now_ms,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now_ms / 1000)),
            "identity": {"sourceIp": socket.source_ip, "userAgent": socket.user_agent},
            "authorizer": dict(socket.authorizer) or None,
        }

    def _call(self, function: str, event: dict[str, Any]) -> InvocationResult | None:
        if self._invoke is None:
            raise RuntimeError("the WebSocket API has no functions attached")
        result = self._invoke(function, event)
        if result.error_type is not None:
            log.warning("%s raised %s: %s", function, result.error_type, result.error_message)
            return None
        return result

    # -- connecting --------------------------------------------------------------------------

    def _handshake(self, connection: ServerConnection, request: WsRequest) -> WsResponse | None:
        parts = urlsplit(request.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        headers = dict(request.headers.raw_items())
        now = self._clock()
        remote = connection.remote_address
        socket = _Socket(
            connection_id=secrets.token_urlsafe(12),
            connection=connection,
            authorizer={},
            connected_at=now,
            last_active=now,
            source_ip=str(remote[0]) if remote else "127.0.0.1",
            user_agent=headers.get("User-Agent", ""),
        )
        if self.api.authorizer is not None:
            refusal = self._authorize(socket, query, headers)
            if refusal is not None:
                return connection.respond(*refusal)
        connect = self.api.route("$connect")
        if connect is not None:
            event = {
                "headers": headers,
                "multiValueHeaders": {k: [v] for k, v in headers.items()},
                "queryStringParameters": query or None,
                "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
                "requestContext": self._context(socket, "$connect", "CONNECT"),
                "isBase64Encoded": False,
            }
            result = self._call(connect.function, event)
            status = int((result.payload or {}).get("statusCode", 200)) if result is not None else 500
            if not 200 <= status < 300:
                return connection.respond(status if status >= 400 else 403, "Forbidden")
        with self._lock:
            self._pending[id(connection)] = socket
        return None

    def _authorize(
        self, socket: _Socket, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, str] | None:
        """The REQUEST authorizer; ``(status, text)`` when it refuses."""
        source = self.api.identity_source.removeprefix("route.request.")
        where, _, name = source.partition(".")
        identity = (
            query.get(name.removeprefix("querystring.")) if where == "querystring" else headers.get(name)
        )
        if not identity:  # API Gateway does not call the authorizer without its identity source
            return (401, "Unauthorized")
        route_arn = (
            f"arn:aws:execute-api:{self._region}:{self._account_id}:local-{self.api.name}/{STAGE}/$connect"
        )
        event = {
            "type": "REQUEST",
            "methodArn": route_arn,
            "headers": headers,
            "queryStringParameters": query,
            "stageVariables": {},
            "requestContext": self._context(socket, "$connect", "CONNECT"),
        }
        assert self.api.authorizer is not None
        result = self._call(self.api.authorizer, event)
        if result is None or not isinstance(result.payload, dict):
            return (401, "Unauthorized")
        statements = (result.payload.get("policyDocument") or {}).get("Statement") or []
        if not statements or any(s.get("Effect") != "Allow" for s in statements):
            return (403, "Forbidden")
        socket.authorizer = {
            "principalId": result.payload.get("principalId"),
            **(result.payload.get("context") or {}),
        }
        return None

    # -- a connection's life -----------------------------------------------------------------

    def _serve(self, connection: ServerConnection) -> None:
        with self._lock:
            socket = self._pending.pop(id(connection), None)
            if socket is not None:
                self._sockets[socket.connection_id] = socket
        if socket is None:
            return
        self.log.append(("connected", socket.connection_id))
        try:
            for message in connection:
                self.sweep()
                if socket.connection_id not in self._sockets:
                    break
                socket.last_active = self._clock()
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                self._route(socket, text)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._sockets.pop(socket.connection_id, None)
            self.log.append(("disconnected", socket.connection_id))
            disconnect = self.api.route("$disconnect")
            if disconnect is not None:
                self._call(
                    disconnect.function,
                    {
                        "requestContext": self._context(socket, "$disconnect", "DISCONNECT"),
                        "isBase64Encoded": False,
                    },
                )

    def _route(self, socket: _Socket, text: str) -> None:
        route_key = "$default"
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if isinstance(document, dict):
            action = document.get(self.api.route_selection_expression.removeprefix("$request.body."))
            if isinstance(action, str) and action and self.api.route(action) is not None:
                route_key = action
        route = self.api.route(route_key)
        if route is None:
            return  # no $default: API Gateway drops the frame
        context = self._context(socket, route_key, "MESSAGE")
        context["messageId"] = secrets.token_urlsafe(9)
        self._call(route.function, {"requestContext": context, "body": text, "isBase64Encoded": False})

    def sweep(self) -> None:
        """Close the sockets past API Gateway's limits on the clock (two hours; ten minutes idle)."""
        now = self._clock()
        with self._lock:
            overdue = [
                s
                for s in self._sockets.values()
                if now - s.connected_at >= MAX_CONNECTION_S or now - s.last_active >= IDLE_TIMEOUT_S
            ]
            for socket in overdue:
                self._sockets.pop(socket.connection_id, None)
        for socket in overdue:
            self.log.append(("expired", socket.connection_id))
            socket.connection.close(1001, "Going away")

    # -- @connections ------------------------------------------------------------------------

    def _management_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self._manage(request)
        return response(environ, start_response)

    def _manage(self, request: Request) -> Response:
        prefix = "/@connections/"
        path = request.path
        if not path.startswith(prefix):
            return _error(404, "NotFoundException", "No such resource.")
        connection_id = path[len(prefix) :].strip("/")
        self.sweep()
        with self._lock:
            socket = self._sockets.get(connection_id)
        if socket is None:
            self.log.append(("gone", connection_id))
            return _error(410, "GoneException", f"Connection {connection_id} is gone.")
        if request.method == "POST":
            return self._post(socket, request.get_data())
        if request.method == "DELETE":
            with self._lock:
                self._sockets.pop(connection_id, None)
            socket.connection.close(1000, "Closed by the server")
            return Response(status=204)
        if request.method == "GET":
            body = {
                "connectedAt": _iso(socket.connected_at),
                "lastActiveAt": _iso(socket.last_active),
                "identity": {"sourceIp": socket.source_ip, "userAgent": socket.user_agent},
            }
            return Response(json.dumps(body), status=200, content_type="application/json")
        return _error(405, "MethodNotAllowed", "POST, GET or DELETE.")

    def _post(self, socket: _Socket, data: bytes) -> Response:
        if len(data) > MAX_MESSAGE_BYTES:
            return _error(413, "PayloadTooLargeException", "Message too long.")
        try:
            with socket.lock:
                socket.connection.send(data.decode("utf-8") if _is_text(data) else data)
        except ConnectionClosed:
            with self._lock:
                self._sockets.pop(socket.connection_id, None)
            return _error(410, "GoneException", f"Connection {socket.connection_id} is gone.")
        socket.last_active = self._clock()
        self.log.append(("pushed", socket.connection_id))
        return Response(status=200)


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(moment))


def _error(status: int, code: str, message: str) -> Response:
    response = Response(json.dumps({"message": message}), status=status, content_type="application/json")
    response.headers["x-amzn-ErrorType"] = code
    return response
