"""State-machine step "Send Missed Notice" of missed-message: tell a recipient who has not read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import messaging
from workflows.messaging.contracts import NoticeStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = NoticeStep.model_validate(event)
    logger.append_keys(conversation_id=step.conversation_id, user_id=step.recipient_id)
    sent = messaging.wiring().service.send_missed_notice(
        step.conversation_id, step.recipient_id, step.since_seq
    )
    return sent.model_dump(mode="json")
