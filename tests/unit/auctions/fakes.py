"""Hand-written fakes of the auctions' ports (in memory, with the store's version rule)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workflows.auctions.ports import BidderInfo

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.auctions.model import Auction, Bid
    from workflows.auctions.ports import BidRequest, PaymentOutcome
    from workflows.catalog.model import Listing
    from workflows.notifications.model import Notification
    from workflows.shared.events import DomainEvent
    from workflows.shared.money import Money


class InMemoryAuctions:
    """The store's contract: a write lands only on the version read, with its bids and request."""

    def __init__(self) -> None:
        self.auctions: dict[str, Auction] = {}
        self.bid_items: dict[str, dict[int, Bid]] = {}
        self.requests: dict[tuple[str, str], BidRequest] = {}
        self.lock = threading.Lock()
        self.conflicts = 0

    def get(self, listing_id: str) -> Auction | None:
        return self.auctions.get(listing_id)

    def get_many(self, listing_ids: list[str]) -> dict[str, Auction]:
        return {i: self.auctions[i] for i in listing_ids if i in self.auctions}

    def open(self, auction: Auction) -> Auction:
        with self.lock:
            return self.auctions.setdefault(auction.listing_id, auction)

    def bids(self, listing_id: str) -> list[Bid]:
        return [b for _, b in sorted(self.bid_items.get(listing_id, {}).items())]

    def request(self, listing_id: str, bid_id: str) -> BidRequest | None:
        return self.requests.get((listing_id, bid_id))

    def commit(
        self,
        before: Auction,
        after: Auction,
        *,
        bids: tuple[Bid, ...] = (),
        request: BidRequest | None = None,
    ) -> bool:
        with self.lock:
            stored = self.auctions.get(before.listing_id)
            if stored is None or stored.version != before.version:
                self.conflicts += 1
                return False
            if request is not None and (before.listing_id, request.bid_id) in self.requests:
                return False
            self.auctions[before.listing_id] = after
            for bid in bids:
                self.bid_items.setdefault(before.listing_id, {})[bid.seq] = bid
            if request is not None:
                self.requests[(before.listing_id, request.bid_id)] = request
            return True


@dataclass
class FakeListings:
    listings: dict[str, Listing] = field(default_factory=dict)
    ended: list[tuple[str, str]] = field(default_factory=list)

    def get(self, listing_id: str) -> Listing | None:
        return self.listings.get(listing_id)

    def end(self, listing_id: str, at: datetime, reason: str) -> None:
        self.ended.append((listing_id, reason))


@dataclass
class FakeStock:
    """One listing's unit: held by one holder at a time."""

    holders: dict[str, str] = field(default_factory=dict)
    released: list[str] = field(default_factory=list)

    def hold(self, listing_id: str, holder: str, quantity: int) -> str:
        current = self.holders.get(listing_id)
        if current == holder:
            return "already_held"
        if current is not None:
            return "not_enough"
        self.holders[listing_id] = holder
        return "held"

    def release(self, listing_id: str, holder: str) -> int:
        if self.holders.get(listing_id) == holder:
            del self.holders[listing_id]
            self.released.append(listing_id)
            return 1
        return 0


@dataclass
class FakeBidders:
    names: dict[str, str] = field(default_factory=dict)

    def describe(self, user_ids: list[str]) -> dict[str, BidderInfo]:
        return {u: BidderInfo(self.names.get(u), None, 3) for u in user_ids}


@dataclass
class Recorded:
    notifications: list[Notification] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)

    def publish(self, *items: Any) -> None:
        from workflows.notifications.model import Notification

        for item in items:
            (self.notifications if isinstance(item, Notification) else self.events).append(item)

    def told(self, kind: str) -> list[str | None]:
        return [n.user_id for n in self.notifications if n.type == kind]


@dataclass
class FakeCheckouts:
    """The agreed-sale checkout: started once per source; outcome as the test says."""

    started: dict[str, dict[str, Any]] = field(default_factory=dict)
    outcomes: dict[str, PaymentOutcome] = field(default_factory=dict)
    no_address: set[str] = field(default_factory=set)

    def start(
        self,
        *,
        source_id: str,
        listing_id: str,
        title: str,
        buyer_id: str,
        seller_id: str,
        price: Money,
        holder: str,
        pay_by: datetime,
    ) -> str | None:
        if buyer_id in self.no_address:
            return None
        self.started.setdefault(
            source_id, {"buyer_id": buyer_id, "price": price, "pay_by": pay_by, "holder": holder}
        )
        return f"co-{source_id}"

    def outcome(self, source_id: str) -> PaymentOutcome:
        return self.outcomes.get(source_id, "unpaid")


@dataclass
class FakeSignals:
    sent: list[tuple[str, str]] = field(default_factory=list)

    def signal(self, correlation_id: str, event_type: str, event_id: str) -> None:
        self.sent.append((correlation_id, event_type))
