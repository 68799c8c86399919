"""``markRead``: move the sender's read marker, as ``POST /conversations/{id}/read`` does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import messaging
from lambdas.ws.frames import frame, sender, serve
from workflows.messaging.commands import MarkRead, MarkReadFrame

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from lambdas.ws.frames import WebSocketEvent


def _mark(ws: WebSocketEvent) -> dict[str, Any]:
    who = sender(ws)
    request = frame(ws, MarkReadFrame)
    marker = messaging.wiring().service.mark_read(
        who,
        request.conversation_id,
        MarkRead(up_to=request.up_to),
        from_connection=ws.request_context.connection_id,
    )
    return {"read": marker.model_dump(mode="json")}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(event, _mark)
