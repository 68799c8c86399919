"""State-machine step "Check Fulfilment" of payout: awaiting shipment, shipped, delivered, cancelled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import payouts
from workflows.payouts.contracts import OrderStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = OrderStep.model_validate(event)
    logger.append_keys(order_id=step.order_id)
    return payouts.wiring().service.check_fulfilment(step.order_id).model_dump(mode="json")
