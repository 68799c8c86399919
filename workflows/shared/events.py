"""Domain events: facts the platform announces on its bus (``<Resource><PastTense>``).

Each event type is a pydantic model; its class name is the EventBridge ``detail-type``. The id is
derived from the business key, so a retried step announces the same event, not a second one.
"""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - pydantic needs it at runtime
from typing import ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field


class DomainEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    #: the event's source on the bus, e.g. "resale.catalog"
    source: ClassVar[str] = "resale"

    event_id: str = Field(description="Deterministic: derived from the business key")
    occurred_at: datetime

    @classmethod
    def detail_type(cls) -> str:
        return cls.__name__


class EventPublisher(Protocol):
    """Port: puts domain events on the bus (at least once; consumers deduplicate on event_id)."""

    def publish(self, *events: DomainEvent) -> None: ...
