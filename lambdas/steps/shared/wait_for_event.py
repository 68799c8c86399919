"""State-machine step "Wait For ...": park the task token until the outside event arrives.

Used with ``arn:aws:states:::lambda:invoke.waitForTaskToken``; the step returns at once and the
execution stays in the task until the event's consumer resumes it (or the task times out).
If the event came first, the execution is resumed immediately.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parser import parse
from pydantic import BaseModel, Field

from lambdas import bootstrap
from lambdas.observability import logger, tracer
from workflows.shared.clock import SystemClock
from workflows.shared.waits import wait_for_event

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


class WaitRequest(BaseModel):
    correlation_id: str = Field(min_length=3, max_length=200, pattern=r"^[a-z_]+:[A-Za-z0-9_\-]+$")
    task_token: str = Field(min_length=1)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse(event=event, model=WaitRequest)
    logger.append_keys(correlation_id=request.correlation_id)
    outcome = wait_for_event(
        bootstrap.waiting_tasks(),
        bootstrap.task_responder(),
        correlation_id=request.correlation_id,
        task_token=request.task_token,
        now=SystemClock().timestamp(),
    )
    return {"outcome": outcome}
