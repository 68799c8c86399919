"""State-machine step "Validate Cart" of checkout.

The cart as the checkout took it, against the catalog now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import checkout
from workflows.checkout.contracts import CheckoutStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = CheckoutStep.model_validate(event)
    logger.append_keys(checkout_id=step.checkout_id, execution=step.execution)
    return checkout.wiring().service.validate_cart(step.checkout_id).model_dump(mode="json")
