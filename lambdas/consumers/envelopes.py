"""EventBridge events whose ``detail`` the handler reads as a JSON object."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from lambdas.observability import logger
from lambdas.wiring import core

if TYPE_CHECKING:
    from collections.abc import Callable

#: Stripe redelivers events for days (and EventBridge and webhooks may both bring one): keep the
#: marker of a handled event for a week
STRIPE_DEDUPE_SECONDS = 7 * 24 * 3600


class JsonDetailEvent(EventBridgeModel):
    """An EventBridge event (a domain event, a Stripe event) with its detail as a dict."""

    detail: dict[str, Any]


def once_per_stripe_event(
    event: dict[str, Any], context: Any, act: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """Parse the EventBridge envelope of a Stripe event, tag the log lines with it, and run ``act``
    on the Stripe event once per event id (a repeat answers the first result). ``act`` takes the
    event as its ``stripe_event`` argument."""
    envelope = parse(event=event, model=JsonDetailEvent)
    logger.append_keys(stripe_event_id=envelope.detail.get("id"), stripe_event_type=envelope.detail_type)

    # the key is made of the function's name too: each consumer's ``act`` keeps its own markers
    once = core.wiring().idempotent(
        act, data_keyword="stripe_event", key_jmespath="id", ttl_s=STRIPE_DEDUPE_SECONDS, context=context
    )
    result: dict[str, Any] = once(stripe_event=envelope.detail)
    return result
