"""State-machine step "Check Feedback" of feedback_window: open the window, then wait, remind or reveal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import feedback
from workflows.feedback.contracts import CheckStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = CheckStep.model_validate(event)
    logger.append_keys(order_id=step.order_id)
    checked = feedback.wiring().service.check_window(step.order_id, reminder_failed=step.reminder_failed)
    return checked.model_dump(mode="json")
