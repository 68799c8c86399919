"""EventBridge target (bus ``domain``): a watched listing's price dropped, or it is about to sell out.

Retries are safe: each notification's id is derived from the event (or listing) and the
watcher, and the notification pipeline sends a notification id at most once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.consumers.envelopes import JsonDetailEvent
from lambdas.observability import logger, tracer
from lambdas.wiring import catalog
from workflows.catalog.events import ListingPriceChanged, ListingUpdated

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    envelope = JsonDetailEvent.model_validate(event)
    logger.append_keys(listing_id=envelope.detail.get("listing_id"), detail_type=envelope.detail_type)
    alerts = catalog.wiring().alerts
    if envelope.detail_type == ListingPriceChanged.detail_type():
        told = alerts.on_price_changed(ListingPriceChanged.model_validate(envelope.detail))
    elif envelope.detail_type == ListingUpdated.detail_type():
        told = alerts.on_listing_updated(ListingUpdated.model_validate(envelope.detail))
    else:
        logger.warning("unexpected event type; ignored")
        told = 0
    return {"notified": told}
