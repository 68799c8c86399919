"""State-machine step "Apply Holds" of payout: transfer now, hold (and for how long) or stop."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import payouts
from workflows.payouts.contracts import HoldsApplied, HoldsStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = HoldsStep.model_validate(event)
    logger.append_keys(order_id=step.order_id)
    decision = payouts.wiring().service.apply_holds(step.order_id, hold_served=step.hold_served)
    return HoldsApplied.of(decision, hold_served=step.hold_served).model_dump(mode="json")
