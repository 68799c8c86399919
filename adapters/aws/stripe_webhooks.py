"""Verified Stripe webhooks onto the ``stripe-webhooks`` bus, in Stripe's own EventBridge shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from botocore.client import BaseClient


class EventBridgeStripeForwarder:
    """Implements ``workflows.payments.webhooks.StripeEventForwarder``.

    The entry is the one Stripe's Amazon EventBridge integration would put on the partner bus
    (``detail-type`` = the event type, ``detail`` = the whole Event, ``time`` = its creation), with
    our own ``source``; the bus has the same rules as the partner bus (``same_rules_as``). A
    failure is transient: the webhook is answered 503 and Stripe delivers it again.
    """

    def __init__(self, client: BaseClient, bus_name: str, source: str) -> None:
        self._client = client
        self._bus = bus_name
        self._source = source

    def forward(self, event: dict[str, Any]) -> None:
        entry = {
            "EventBusName": self._bus,
            "Source": self._source,
            "DetailType": str(event["type"]),
            "Detail": json.dumps(event),
            "Time": datetime.fromtimestamp(int(event["created"]), UTC),
            "Resources": [],
        }
        try:
            result = self._client.put_events(Entries=[entry])
        except (ClientError, ConnectionError, ReadTimeoutError) as exc:
            raise TransientError(f"the Stripe event could not be put on the bus: {exc}") from exc
        if result.get("FailedEntryCount"):
            codes = [e.get("ErrorCode") for e in result.get("Entries", []) if e.get("ErrorCode")]
            raise TransientError(f"the Stripe event was not put on the bus: {codes}")
