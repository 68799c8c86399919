"""State-machine step "Calculate Fees" of fee_calculation: the schedule in effect → a quote per seller.

A quote a checkout asked for (``held_by``) is kept under the execution's name, so that the
checkout carries its id on, not the document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import fees
from workflows.fees.contracts import CalculateFeesInput, FeeCalculationOutput
from workflows.fees.service import OrderLines, calculate_fees, keep_for_checkout

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = CalculateFeesInput.model_validate(event)
    logger.append_keys(execution=step.execution, held_by=step.held_by)
    container = fees.wiring()
    quote = calculate_fees(OrderLines(lines=step.lines), container.schedules, step.at)
    quote_id = keep_for_checkout(container.quote_store, step.execution, step.held_by, quote)
    return FeeCalculationOutput.quoted(quote, quote_id).model_dump(mode="json")
