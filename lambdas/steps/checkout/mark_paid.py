"""State-machine steps "Mark Paid" and "Mark Late Payment" of checkout.

Stripe confirms the payment; orders paid and the ledger posted together. The orders that became
paid now are counted ("OrdersPaid", by currency): a retry that finds them paid counts nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import count, logger, tracer
from lambdas.wiring import checkout
from workflows.checkout.contracts import CheckoutStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = CheckoutStep.model_validate(event)
    logger.append_keys(checkout_id=step.checkout_id, execution=step.execution)
    paid = checkout.wiring().service.mark_paid(step.checkout_id)
    if paid.paid_now:
        count("OrdersPaid", paid.paid_now, currency=paid.currency)
    return paid.model_dump(mode="json")
