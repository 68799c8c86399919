"""EventBridge target for the catalog's ``ListingCreated`` of an auction listing: start its auction.

The execution is named by the listing id, so a redelivered event starts nothing new.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.consumers.envelopes import JsonDetailEvent
from lambdas.observability import logger, tracer
from lambdas.wiring import auctions
from workflows.catalog.events import ListingCreated

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    envelope = JsonDetailEvent.model_validate(event)
    created = ListingCreated.model_validate(envelope.detail)
    logger.append_keys(listing_id=created.listing_id, seller_id=created.seller_id)
    started = auctions.wiring().service.start(created.listing_id)
    logger.info("auction started", extra={"started": started})
    return {"listing_id": created.listing_id, "started": started}
