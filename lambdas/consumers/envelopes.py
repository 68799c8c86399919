"""The EventBridge envelope, and events whose ``detail`` the handler reads as a JSON object."""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - pydantic reads it
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from lambdas.observability import logger
from lambdas.wiring import core

if TYPE_CHECKING:
    from collections.abc import Callable

#: Stripe redelivers events for days (and EventBridge and webhooks may both bring one): keep the
#: marker of a handled event for a week
STRIPE_DEDUPE_SECONDS = 7 * 24 * 3600


class EventBridgeEnvelope(BaseModel):
    """An event as EventBridge hands it to a target (its documented top-level fields). A consumer
    subclasses it with ``detail`` typed as its event. Declared here, not taken from Powertools'
    parser models: importing those loads the models of every AWS event source, a tenth of the
    consumers' cold start, for this one."""

    model_config = ConfigDict(populate_by_name=True)

    version: str
    id: str
    source: str
    account: str
    time: datetime
    region: str
    resources: list[str]
    detail_type: str = Field(alias="detail-type")
    detail: Any
    replay_name: str | None = Field(default=None, alias="replay-name")


class JsonDetailEvent(EventBridgeEnvelope):
    """An EventBridge event (a domain event, a Stripe event) with its detail as a dict."""

    detail: dict[str, Any]


def once_per_stripe_event(
    event: dict[str, Any], context: Any, act: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """Parse the EventBridge envelope of a Stripe event, tag the log lines with it, and run ``act``
    on the Stripe event once per event id (a repeat answers the first result). ``act`` takes the
    event as its ``stripe_event`` argument."""
    envelope = JsonDetailEvent.model_validate(event)
    logger.append_keys(stripe_event_id=envelope.detail.get("id"), stripe_event_type=envelope.detail_type)

    # the key is made of the function's name too: each consumer's ``act`` keeps its own markers
    once = core.wiring().idempotent(
        act, data_keyword="stripe_event", key_jmespath="id", ttl_s=STRIPE_DEDUPE_SECONDS, context=context
    )
    result: dict[str, Any] = once(stripe_event=envelope.detail)
    return result
