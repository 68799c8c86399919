"""EventBridge target for the auctions' ``BidPlaced``: the leader a higher maximum displaced is told
live on their open sockets and by email (off the bid's request, so a bid answers as soon as it is
decided)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.consumers.envelopes import JsonDetailEvent
from lambdas.observability import logger, tracer
from lambdas.wiring import auctions
from workflows.auctions.events import BidPlaced

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    envelope = JsonDetailEvent.model_validate(event)
    placed = BidPlaced.model_validate(envelope.detail)
    logger.append_keys(listing_id=placed.listing_id, bid_id=placed.bid_id)
    told = auctions.wiring().outbid.on_bid_placed(placed)
    return {"bid_id": placed.bid_id, "told": told}
