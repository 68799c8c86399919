"""State-machine step "Load Order Lines" of fee_calculation: the items priced at the quote's moment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas import bootstrap
from lambdas.observability import logger, tracer
from workflows.fees.service import load_order_lines, parse_moment, parse_request

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(execution=event.get("execution"))
    order = load_order_lines(
        parse_request(event),
        bootstrap.fee_listings(),
        parse_moment(event.get("at")),
        # nested in a checkout, which holds the units: stock is its business, not the quote's
        held=bool(event.get("held_by")),
    )
    return order.model_dump(mode="json")
