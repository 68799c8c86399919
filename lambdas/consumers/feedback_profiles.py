"""EventBridge target for feedback's events, ``OrderDelivered`` and ``ListingCreated``: the
public profile's projection, and the seller's figures onto their listings.

Each event is applied once (per event id); what a feedback event changes is read from the
feedback's row, so redeliveries and any order of arrival give the same profile. A changed
profile's score and percent positive go onto the seller's listings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.consumers.envelopes import JsonDetailEvent
from lambdas.observability import logger, tracer
from lambdas.wiring import feedback
from workflows.catalog.events import ListingCreated
from workflows.feedback.events import FEEDBACK_EVENTS
from workflows.fulfilment.events import OrderDelivered
from workflows.shared.errors import InvalidEvent

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    envelope = JsonDetailEvent.model_validate(event)
    profiles = feedback.wiring().projecting_profiles
    if envelope.detail_type == OrderDelivered.detail_type():
        delivered = OrderDelivered.model_validate(envelope.detail)
        logger.append_keys(order_id=delivered.order_id, seller_id=delivered.seller_id)
        return profiles.on_delivery(delivered)
    if envelope.detail_type == ListingCreated.detail_type():
        created = ListingCreated.model_validate(envelope.detail)
        logger.append_keys(listing_id=created.listing_id, seller_id=created.seller_id)
        return profiles.on_listing_created(created.seller_id)
    kind = FEEDBACK_EVENTS.get(envelope.detail_type)
    if kind is None:
        raise InvalidEvent(f"not an event the profile projects: {envelope.detail_type}")
    changed = kind.model_validate(envelope.detail)
    logger.append_keys(feedback_id=changed.feedback_id, order_id=changed.order_id)
    result = profiles.on_feedback_event(changed)
    logger.info("profile projected", extra=result)
    return result
