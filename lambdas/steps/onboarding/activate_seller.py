"""State-machine step "Activate Seller" of seller_onboarding:
the user joins the seller group and the profile becomes an active seller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import count, logger, tracer
from lambdas.wiring import onboarding
from workflows.onboarding.contracts import OnboardingStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = OnboardingStep.model_validate(event)
    logger.append_keys(onboarding_id=step.onboarding_id, execution=step.execution)
    result = onboarding.wiring().steps.activate_seller(step.onboarding_id)
    if result.activated:
        count("OnboardingsCompleted")
    return result.model_dump(mode="json")
