"""EventBridge target for Stripe's ``transfer.created`` / ``transfer.reversed``: the ledger records
what Stripe did, once, whatever the order or number of deliveries (deduplicated on the event id,
and every entry keyed by Stripe's object id)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parser import parse

from lambdas import bootstrap
from lambdas.consumers.envelopes import JsonDetailEvent
from lambdas.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

#: Stripe redelivers for days; keep the dedupe marker for a week
DEDUPE_SECONDS = 7 * 24 * 3600


def _record(stripe_event: dict[str, Any]) -> dict[str, Any]:
    return bootstrap.payout_service().on_transfer_event(
        str(stripe_event.get("type")), stripe_event.get("data", {}).get("object", {})
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    envelope = parse(event=event, model=JsonDetailEvent)
    logger.append_keys(stripe_event_id=envelope.detail.get("id"), stripe_event_type=envelope.detail_type)
    record = bootstrap.idempotent(
        _record, data_keyword="stripe_event", key_jmespath="id", ttl_s=DEDUPE_SECONDS, context=context
    )
    result: dict[str, Any] = record(stripe_event=envelope.detail)
    logger.info("stripe transfer event", extra=result)
    return result
