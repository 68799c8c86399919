"""EventBridge target for Stripe's events: deduplicate on the event id, resume the waiting workflow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from adapters.stripe.events import to_outside_event
from lambdas.consumers.envelopes import once_per_stripe_event
from lambdas.observability import logger, metrics, tracer
from lambdas.wiring import core
from workflows.payments.stripe_events import handle_stripe_event

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _deliver(stripe_event: dict[str, Any]) -> dict[str, Any]:
    return handle_stripe_event(
        str(stripe_event.get("id")),
        to_outside_event(stripe_event),
        core.wiring().waiting_tasks,
        core.wiring().task_responder,
        now=core.wiring().clock.timestamp(),
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = once_per_stripe_event(event, context, _deliver)
    logger.info("stripe event handled", extra={"outcome": result["outcome"]})
    metrics.add_metric(
        name=f"StripeEvent{str(result['outcome']).capitalize()}", unit=MetricUnit.Count, value=1
    )
    return result
