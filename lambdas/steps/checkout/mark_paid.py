"""State-machine step "Mark Paid" of checkout.

Stripe confirms the payment; orders paid and the ledger posted together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parser import parse

from lambdas import bootstrap
from lambdas.observability import logger, tracer
from lambdas.steps.checkout.requests import CheckoutStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse(event=event, model=CheckoutStep)
    logger.append_keys(checkout_id=request.checkout_id, execution=request.execution)
    return bootstrap.checkout_service().mark_paid(request.checkout_id)
