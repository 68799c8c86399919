"""State-machine step "Refund Checkout" of checkout.

A payment that could not be recorded is refunded in full ("RefundsIssued", by currency).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.aws.stepfunctions import caught
from lambdas.observability import count, logger, tracer
from lambdas.wiring import checkout
from workflows.checkout.contracts import RefundInput

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = RefundInput.model_validate(event)
    logger.append_keys(checkout_id=step.checkout_id, execution=step.execution)
    refund = checkout.wiring().service.refund(step.checkout_id, caught(step.error))
    if refund.refunded and refund.currency:
        count("RefundsIssued", currency=refund.currency)
    return refund.model_dump(mode="json")
