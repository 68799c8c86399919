"""Checkout's domain event: ``OrderPaid`` (source ``resale.checkout``), one per order.

Payout starts from it; its id is derived from the order, so a retried step announces it once.
"""

from __future__ import annotations

from typing import ClassVar

from workflows.shared.events import DomainEvent


class OrderPaid(DomainEvent):
    source: ClassVar[str] = "resale.checkout"

    order_id: str
    checkout_id: str
    buyer_id: str
    seller_id: str
    payment_intent_id: str
    charge_id: str
    currency: str
    #: integer minor units: gross = items + shipping = fee + net
    gross: int
    fee: int
    net: int
    paid_at: str
