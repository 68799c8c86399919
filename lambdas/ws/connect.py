"""``$connect``: the authorizer let the user in; record the connection under them (TTL 2 h)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import messaging
from lambdas.ws.frames import OK, parse_event

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ws = parse_event(event)
    user_id = (ws.request_context.authorizer or {}).get("user_id") or (
        ws.request_context.authorizer or {}
    ).get("principalId")
    if not user_id:
        return {"statusCode": 401}  # no authorizer ran: never a connection of no one
    logger.append_keys(user_id=user_id, connection_id=ws.request_context.connection_id)
    messaging.wiring().service.connect(str(user_id), ws.request_context.connection_id)
    return OK
