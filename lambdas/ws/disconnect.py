"""``$disconnect``: forget the connection (best-effort on AWS: a push that finds it gone
removes it too)."""

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
    messaging.wiring().service.disconnect(ws.request_context.connection_id)
    return OK
