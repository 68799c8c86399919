"""Best Offer's domain events (source ``resale.offers``): each move of a negotiation.

Ids derive from the offer, its round and the move, so a retried step announces a move once.
"""

from __future__ import annotations

from typing import ClassVar

from workflows.shared.events import DomainEvent


class _OfferEvent(DomainEvent):
    source: ClassVar[str] = "resale.offers"

    offer_id: str
    listing_id: str
    buyer_id: str
    seller_id: str
    round: int
    quantity: int
    #: per unit, integer minor units
    amount: int
    currency: str


class OfferMade(_OfferEvent):
    pass


class OfferCountered(_OfferEvent):
    #: "buyer" or "seller": who countered
    by: str


class OfferAccepted(_OfferEvent):
    by: str
    pay_by: str


class OfferDeclined(_OfferEvent):
    by: str


class OfferExpired(_OfferEvent):
    pass


class OfferPurchased(_OfferEvent):
    checkout_id: str


class OfferLapsed(_OfferEvent):
    pass
