"""State-machine step "Mark Onboarding Failed" of seller_onboarding:
the compensation of a step that failed after its retries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import onboarding
from workflows.onboarding.contracts import MarkFailedStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = MarkFailedStep.model_validate(event)
    logger.append_keys(onboarding_id=step.onboarding_id, execution=step.execution)
    return onboarding.wiring().steps.mark_failed(step.onboarding_id, step.error).model_dump(mode="json")
