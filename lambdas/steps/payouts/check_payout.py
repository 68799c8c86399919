"""State-machine step "Check Payout" of payout: wait for the shipment or the delivery, hold,
transfer, or stop (where the order is, then the holds once it is delivered)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import payouts
from workflows.payouts.contracts import HoldsStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = HoldsStep.model_validate(event)
    logger.append_keys(order_id=step.order_id)
    checked = payouts.wiring().service.check_payout(step.order_id, hold_served=step.hold_served)
    return checked.model_dump(mode="json")
