"""EventBridge: domain events onto the platform's bus."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from workflows.shared.events import DomainEvent

_BATCH = 10  # PutEvents takes at most ten entries


class EventBridgePublisher:
    """Implements ``workflows.shared.events.EventPublisher``."""

    def __init__(self, client: BaseClient, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def publish(self, *events: DomainEvent) -> None:
        for start in range(0, len(events), _BATCH):
            batch = events[start : start + _BATCH]
            entries: list[dict[str, Any]] = [
                {
                    "EventBusName": self._bus,
                    "Source": event.source,
                    "DetailType": event.detail_type(),
                    "Detail": event.model_dump_json(),
                    "Time": event.occurred_at,
                }
                for event in batch
            ]
            try:
                result = self._client.put_events(Entries=entries)
            except (ClientError, ConnectionError, ReadTimeoutError) as exc:
                raise TransientError(f"events could not be published: {exc}") from exc
            if result.get("FailedEntryCount"):
                failed = [e.get("ErrorCode") for e in result["Entries"] if e.get("ErrorCode")]
                raise TransientError(f"{len(failed)} events were not published: {failed}")
