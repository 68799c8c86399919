"""``sendMessage``: post a message, exactly as ``POST /conversations/{id}/messages`` does (the
frame's ``client_id`` is the idempotency key: a frame sent again posts once)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import messaging
from lambdas.ws.frames import frame, sender, serve
from workflows.messaging.commands import SendMessage, SendMessageFrame

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from lambdas.ws.frames import WebSocketEvent


def _send(ws: WebSocketEvent) -> dict[str, Any]:
    who = sender(ws)
    request = frame(ws, SendMessageFrame)
    posted = messaging.wiring().service.send(
        who,
        request.conversation_id,
        SendMessage(body=request.body, image_ids=request.image_ids),
        request.client_id,
        from_connection=ws.request_context.connection_id,
    )
    return {"client_id": request.client_id, "message": posted.view.model_dump(mode="json")}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(event, _send)
