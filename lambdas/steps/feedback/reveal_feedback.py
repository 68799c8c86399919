"""State-machine step "Reveal Feedback" of feedback_window: the order's feedback visible, exactly once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import feedback
from workflows.feedback.contracts import WindowStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = WindowStep.model_validate(event)
    logger.append_keys(order_id=step.order_id)
    return feedback.wiring().service.reveal(step.order_id).model_dump(mode="json")
