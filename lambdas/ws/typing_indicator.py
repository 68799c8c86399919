"""``typing``: tell the other party's connections that the sender is typing (nothing stored).

(The module is not called ``typing``: that would shadow the standard library's.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import messaging
from lambdas.ws.frames import frame, sender, serve
from workflows.messaging.commands import TypingFrame

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from lambdas.ws.frames import WebSocketEvent


def _typing(ws: WebSocketEvent) -> None:
    who = sender(ws)
    request = frame(ws, TypingFrame)
    messaging.wiring().service.typing(
        who, request.conversation_id, from_connection=ws.request_context.connection_id
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(event, _typing)
