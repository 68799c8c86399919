"""``$default``: a frame whose ``action`` is no route's is answered with ``INVALID_FRAME``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.ws.frames import serve
from workflows.messaging.errors import InvalidFrame

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from lambdas.ws.frames import WebSocketEvent

ACTIONS = ("sendMessage", "markRead", "typing")


def _refuse(_: WebSocketEvent) -> dict[str, Any] | None:
    raise InvalidFrame(
        f"A frame is a JSON object whose 'action' is one of {', '.join(ACTIONS)}.",
        details={"actions": list(ACTIONS)},
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(event, _refuse)
