"""The auctions' domain events (source ``resale.auctions``); ids derived from the business key."""

from __future__ import annotations

from typing import ClassVar

from workflows.shared.events import DomainEvent


class AuctionEvent(DomainEvent):
    source: ClassVar[str] = "resale.auctions"

    listing_id: str
    seller_id: str
    currency: str


class BidPlaced(AuctionEvent):
    """A bid was accepted: the price it set and whom it outbid (the maximum stays secret)."""

    bid_id: str
    bidder_id: str
    current_price: int
    bid_count: int
    leader_changed: bool
    outbid_bidder_id: str | None


class AuctionClosed(AuctionEvent):
    """The auction ended: how, and at what price to whom when it sold."""

    outcome: str
    winner_id: str | None
    final_price: int | None
