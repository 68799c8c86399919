"""State-machine step "Create Connected Account" of seller_onboarding:
the Stripe Connect Express account, created once per onboarding (idempotency key from its id).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import onboarding
from workflows.onboarding.contracts import OnboardingStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = OnboardingStep.model_validate(event)
    logger.append_keys(onboarding_id=step.onboarding_id, execution=step.execution)
    return onboarding.wiring().steps.create_connected_account(step.onboarding_id).model_dump(mode="json")
