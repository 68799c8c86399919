"""State-machine step "Wait For ...": park the task token until the outside event arrives.

Used with ``arn:aws:states:::lambda:invoke.waitForTaskToken``; the step returns at once and the
execution stays in the task until the event's consumer resumes it (or the task times out).
If the event came first, the execution is resumed immediately. Its contract
(``workflows.shared.waits.WAIT_FOR_EVENT``) is the same in every machine that waits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import core
from workflows.shared.waits import WaitForEvent, WaitStarted, wait_for_event

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = WaitForEvent.model_validate(event)
    logger.append_keys(correlation_id=step.correlation_id)
    outcome = wait_for_event(
        core.wiring().waiting_tasks,
        core.wiring().task_responder,
        correlation_id=step.correlation_id,
        task_token=step.task_token,
        now=core.wiring().clock.timestamp(),
    )
    return WaitStarted(outcome=outcome).model_dump(mode="json")
