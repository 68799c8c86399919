"""State-machine step "Create Connected Account" of seller_onboarding:
the Stripe Connect Express account, created once per onboarding (idempotency key from its id).
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
    return bootstrap.onboarding_steps().create_connected_account(request.onboarding_id)
