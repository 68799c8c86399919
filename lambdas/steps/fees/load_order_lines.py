"""State-machine step "Load Order Lines" of fee_calculation: the items priced at the quote's moment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import fees
from workflows.fees.contracts import LoadOrderLinesInput, LoadOrderLinesOutput
from workflows.fees.service import load_order_lines, parse_request

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = LoadOrderLinesInput.model_validate(event)
    logger.append_keys(execution=step.execution)
    held = step.held_by is not None
    order = load_order_lines(
        # the items as sent: a malformed one is InvalidQuoteRequest, a rejection the machine answers;
        # a checkout's (held) may carry the price it agreed (an accepted offer, a won auction)
        parse_request(step.items, held=held),
        fees.wiring().listings,
        step.at,
        # nested in a checkout, which holds the units: stock is its business, not the quote's
        held=held,
    )
    return LoadOrderLinesOutput(lines=order.lines).model_dump(mode="json")
