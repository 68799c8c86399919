"""EventBridge target for Stripe's refund events (``refund.updated``, ``charge.refund.updated``,
``refund.failed``): the refund, read from Stripe, settles the ledger once (``refund_paid``, or a
failed refund reversed and reported to the admins), deduplicated on the event id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.consumers.envelopes import once_per_stripe_event
from lambdas.observability import logger, metrics, tracer
from lambdas.wiring import payouts

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _settle(stripe_event: dict[str, Any]) -> dict[str, Any]:
    result = payouts.wiring().refunds.on_refund_event(
        str(stripe_event.get("type")), stripe_event.get("data", {}).get("object", {})
    )
    return result.model_dump(mode="json")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = once_per_stripe_event(event, context, _settle)
    newly = bool(result["posted"])
    if result["outcome"] == "reported" or (result["outcome"] == "failed" and newly):
        logger.error("a refund failed at Stripe; the admins are told", extra=result)
        metrics.add_metric(name="RefundFailed", unit=MetricUnit.Count, value=1)
    else:
        logger.info("stripe refund event", extra=result)
        if result["outcome"] == "paid" and newly:
            metrics.add_metric(name="RefundPaid", unit=MetricUnit.Count, value=1)
    return result
