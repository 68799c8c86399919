"""State-machine step "Evaluate Account" of seller_onboarding:
the account read at Stripe after an account.updated (its payload is never trusted; a
duplicate changes nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import onboarding
from workflows.onboarding.contracts import EvaluateAccountStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = EvaluateAccountStep.model_validate(event)
    logger.append_keys(onboarding_id=step.onboarding_id, execution=step.execution)
    return (
        onboarding.wiring()
        .steps.evaluate_account(step.onboarding_id, step.account_event())
        .model_dump(mode="json")
    )
