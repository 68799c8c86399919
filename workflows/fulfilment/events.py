"""Fulfilment's domain event: ``OrderDelivered`` (source ``resale.fulfilment``), one per order.

Announced where the delivery is recorded: the buyer confirming it, or the payout workflow
confirming it for them when the delivery window passes. The id is derived from the order, so a
retried confirmation announces the same event, not a second one. The feedback window starts
from it.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from workflows.shared.events import DomainEvent
from workflows.shared.ids import derived_id


class OrderDelivered(DomainEvent):
    source: ClassVar[str] = "resale.fulfilment"

    order_id: str
    buyer_id: str
    seller_id: str
    #: who confirmed it: the buyer, or the payout workflow when the window passed
    delivered_by: Literal["buyer", "auto"]
    #: the number of items the order delivered (the sum of its lines' quantities)
    items: int = Field(ge=1)

    @staticmethod
    def event_id_for(order_id: str) -> str:
        return derived_id("event", "OrderDelivered", order_id)
