"""State-machine step "Abandon Checkout" of checkout.

Cancel the payment, release the holds, close the orders and the checkout with how it ended; the
caught error (Step Functions' ``{Error, Cause}``) is read here, at the edge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.aws.stepfunctions import caught
from lambdas.observability import logger, tracer
from lambdas.wiring import checkout
from workflows.checkout.contracts import AbandonInput

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = AbandonInput.model_validate(event)
    logger.append_keys(checkout_id=step.checkout_id, execution=step.execution)
    ended = checkout.wiring().service.abandon(step.checkout_id, step.outcome, caught(step.error))
    return ended.model_dump(mode="json")
