"""What every WebSocket route handler shares: the API Gateway WebSocket proxy event, parsed,
and the answer to a frame.

The event's ``requestContext`` carries ``routeKey``, ``eventType`` (CONNECT, MESSAGE,
DISCONNECT) and ``connectionId``; ``$connect`` also carries what the REQUEST authorizer
returned (``authorizer.user_id``). A message's sender is the user its connection was recorded
under at ``$connect`` (the table is the truth: an expired connection is no one's).

API Gateway sends nothing back for a route without a route response, so a handler answers the
connection itself, through ``@connections``: ``{"type": "ack", ...}`` for a frame done, and
``{"type": "error", "error": {"code", "message", "details"}}`` for one refused, with the same
codes as the REST API.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lambdas.observability import logger
from lambdas.wiring import messaging
from workflows.messaging.errors import InvalidFrame
from workflows.shared.errors import ResaleError, TransientError, Unauthenticated
from workflows.shared.identity import Caller

if TYPE_CHECKING:
    from collections.abc import Callable

M = TypeVar("M", bound=BaseModel)

OK: dict[str, Any] = {"statusCode": 200}


class RequestContext(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    route_key: str = Field(alias="routeKey")
    event_type: str = Field(alias="eventType")
    connection_id: str = Field(alias="connectionId", min_length=1)
    authorizer: dict[str, Any] | None = None


class WebSocketEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    request_context: RequestContext = Field(alias="requestContext")
    body: str | None = None


def parse_event(event: dict[str, Any]) -> WebSocketEvent:
    return WebSocketEvent.model_validate(event)


def sender(ws: WebSocketEvent) -> Caller:
    """The user whose connection sent the frame (401 when the connection is not, or no
    longer, recorded: past its two hours, or never authorized)."""
    user_id = messaging.wiring().service.user_of_connection(ws.request_context.connection_id)
    if user_id is None:
        raise Unauthenticated("This connection is not signed in (or has expired); connect again.")
    return Caller(user_id=user_id, email="", roles=frozenset())


def frame(ws: WebSocketEvent, model: type[M]) -> M:
    """The frame's JSON body as ``model`` (an :class:`InvalidFrame` names what is wrong)."""
    try:
        document = json.loads(ws.body or "")
    except ValueError as exc:
        raise InvalidFrame("A frame is a JSON object with an 'action'.") from exc
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise InvalidFrame("The frame is not valid; see details.", details={"fields": fields}) from exc


def _action(ws: WebSocketEvent) -> str | None:
    try:
        document = json.loads(ws.body or "")
    except ValueError:
        return None
    action = document.get("action") if isinstance(document, dict) else None
    return action if isinstance(action, str) else None


def serve(event: dict[str, Any], work: Callable[[WebSocketEvent], dict[str, Any] | None]) -> dict[str, Any]:
    """Run ``work`` for the frame; its result (if any) goes back to the connection as an ack,
    a refusal as an error frame. A transient failure is raised (API Gateway logs it; the
    client sends again, with the same ``client_id``)."""
    ws = parse_event(event)
    connection_id = ws.request_context.connection_id
    logger.append_keys(connection_id=connection_id, route_key=ws.request_context.route_key)
    service = messaging.wiring().service
    try:
        ack = work(ws)
    except TransientError:
        raise
    except ResaleError as error:
        reply: dict[str, Any] = {"code": error.code, "message": error.message}
        if error.details:
            reply["details"] = error.details
        service.reply(connection_id, {"type": "error", "action": _action(ws), "error": reply})
        return OK
    if ack is not None:
        service.reply(connection_id, {"type": "ack", "action": _action(ws), **ack})
    return OK
