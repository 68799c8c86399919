"""EventBridge target for Stripe's dispute events (``charge.dispute.created``, ``funds_withdrawn``,
``updated``, ``funds_reinstated``, ``closed``): the dispute, read from Stripe, holds or stops the
order's payout and posts the ledger once, deduplicated on the event id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.consumers.envelopes import once_per_stripe_event
from lambdas.observability import logger, metrics, tracer
from lambdas.wiring import cases

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _follow(stripe_event: dict[str, Any]) -> dict[str, Any]:
    result = cases.wiring().disputes.on_dispute_event(
        str(stripe_event.get("type")), stripe_event.get("data", {}).get("object", {})
    )
    return result.model_dump(mode="json")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = once_per_stripe_event(event, context, _follow)
    logger.info("stripe dispute event", extra=result)
    if "dispute_lost" in result["posted"]:
        metrics.add_metric(name="DisputesLost", unit=MetricUnit.Count, value=1)
    return result
