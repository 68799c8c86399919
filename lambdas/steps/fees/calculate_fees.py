"""State-machine step "Calculate Fees" of fee_calculation: the schedule in effect → a quote per seller."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas import bootstrap
from lambdas.observability import logger, tracer
from workflows.fees.service import OrderLines, calculate_fees, parse_moment

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(execution=event.get("execution"))
    order = OrderLines.model_validate({"lines": event.get("lines")})
    quote = calculate_fees(order, bootstrap.fee_schedules(), parse_moment(event.get("at")))
    return quote.model_dump(mode="json")
