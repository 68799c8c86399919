"""State-machine step "Evaluate Account" of seller_onboarding:
the account read at Stripe after an account.updated (its payload is never trusted; a
duplicate changes nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas import bootstrap
from lambdas.observability import logger, tracer
from lambdas.steps.onboarding.request import StepRequest

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = StepRequest.of(event)
    return bootstrap.onboarding_steps().evaluate_account(request.onboarding_id, request.event)
