"""EventBridge target (bus ``domain``): a new listing is announced to the saved searches it matches.

Each saved search alerts its owner at most once a day (a conditional write of the day).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.consumers.envelopes import EventBridgeEnvelope
from lambdas.observability import logger, tracer
from lambdas.wiring import catalog
from workflows.catalog.events import ListingCreated  # noqa: TC001 - pydantic needs it at runtime

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


class ListingCreatedEnvelope(EventBridgeEnvelope):
    detail: ListingCreated


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    envelope = ListingCreatedEnvelope.model_validate(event)
    logger.append_keys(listing_id=envelope.detail.listing_id)
    return {"notified": catalog.wiring().alerts.on_listing_created(envelope.detail)}
