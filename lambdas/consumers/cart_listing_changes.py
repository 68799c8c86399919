"""EventBridge target (bus ``domain``): a listing in carts changed price or ended; mark its lines.

Retries and replays are safe: a mark applies only to lines whose stored listing version is older
than the event's, so the same event (or an older one arriving late) changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.consumers.envelopes import JsonDetailEvent
from lambdas.observability import logger, tracer
from lambdas.wiring import cart
from workflows.catalog.events import ListingEnded, ListingPriceChanged

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    envelope = JsonDetailEvent.model_validate(event)
    logger.append_keys(
        listing_id=envelope.detail.get("listing_id"),
        event_id=envelope.detail.get("event_id"),
        detail_type=envelope.detail_type,
    )
    follower = cart.wiring().follower
    if envelope.detail_type == ListingPriceChanged.detail_type():
        marked = follower.on_price_changed(ListingPriceChanged.model_validate(envelope.detail))
    elif envelope.detail_type == ListingEnded.detail_type():
        marked = follower.on_listing_ended(ListingEnded.model_validate(envelope.detail))
    else:
        logger.warning("unexpected event type; ignored")
        marked = 0
    logger.info("cart lines marked", extra={"marked": marked})
    return {"marked": marked}
