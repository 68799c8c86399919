"""The one function behind every route of the live WebSocket API (and its authorizer).

Each route has its own module (``connect``, ``disconnect``, ``default``, ``send_message``,
``mark_read``, ``typing_indicator``, ``authorize``); one function serves them all, chosen by the
event: a REQUEST authorizer event, or ``requestContext.routeKey``. One function, not seven:
each function is four CloudFormation resources (function, role, policy, log group) in a stack
that CloudFormation caps at 500, and these seven share their settings and grants.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.ws import authorize, connect, default, disconnect, mark_read, send_message, typing_indicator

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.typing import LambdaContext

ROUTES: dict[str, Callable[[dict[str, Any], LambdaContext], dict[str, Any]]] = {
    "$connect": connect.handler,
    "$disconnect": disconnect.handler,
    "$default": default.handler,
    "sendMessage": send_message.handler,
    "markRead": mark_read.handler,
    "typing": typing_indicator.handler,
}


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("type") == "REQUEST" and "methodArn" in event:
        answer: dict[str, Any] = authorize.handler(event, context)
        return answer
    route_key = str((event.get("requestContext") or {}).get("routeKey", "$default"))
    routed: dict[str, Any] = ROUTES.get(route_key, default.handler)(event, context)
    return routed
