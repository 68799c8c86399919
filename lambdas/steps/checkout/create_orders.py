"""State-machine step "Create Orders" of checkout: one order per seller, priced by the kept fee quote."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import checkout
from workflows.checkout.contracts import CreateOrdersInput

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = CreateOrdersInput.model_validate(event)
    logger.append_keys(checkout_id=step.checkout_id, execution=step.execution)
    return checkout.wiring().service.create_orders(step.checkout_id, step.quote_id).model_dump(mode="json")
