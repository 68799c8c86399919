"""An auction's state (one item, decided atomically) and its bids.

Only the two best maximums matter to proxy bidding (the leader's, which is secret, and the
runner-up's, which sets the price), so that is what the state keeps; the bids themselves are
kept beside it, one item each, for the history, retractions (the state is replayed from the bids
left) and second-chance offers. ``version`` grows with every change: a write is conditional on
the version it read, so concurrent bids are decided one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from datetime import datetime

AuctionStatus = Literal["open", "closed"]
#: how an auction ended
Outcome = Literal["sold", "bought_now", "reserve_not_met", "no_bids", "ended_early"]
#: after the end: the winner's checkout, then (if unpaid) the seller's choice
AfterSale = Literal[
    "none",
    "awaiting_payment",
    "paid",
    "awaiting_seller",
    "second_chance",
    "relisted",
    "unsold",
]
#: what a new bid did
BidEffect = Literal["leading", "raised", "outbid"]

#: eBay's retraction rule
RETRACT_FREELY_BEFORE_END_S = 12 * 3600
RETRACT_OWN_BID_WITHIN_S = 3600


@dataclass(frozen=True)
class Standing:
    """A bidder's maximum, and the sequence number of the bid that set it (ties: earlier wins)."""

    bidder_id: str
    maximum: int
    seq: int


@dataclass(frozen=True)
class Bid:
    seq: int
    bid_id: str
    bidder_id: str
    maximum: int
    placed_at: datetime
    #: the current price right after this bid (what the history shows of the leader's bids)
    price_after: int
    retracted: bool = False


@dataclass(frozen=True)
class Auction:
    listing_id: str
    seller_id: str
    title: str
    currency: str
    starting_price: int
    reserve_price: int | None
    buy_it_now_price: int | None
    ends_at: datetime
    price: int
    leader: Standing | None = None
    runner_up: Standing | None = None
    bid_count: int = 0
    next_seq: int = 1
    buy_it_now_gone: bool = False
    status: AuctionStatus = "open"
    outcome: Outcome | None = None
    winner_id: str | None = None
    final_price: int | None = None
    closed_at: datetime | None = None
    end_reason: str | None = None
    after_sale: AfterSale = "none"
    #: the winner's (then the second-chance buyer's) checkout, and its payment deadline
    checkout_id: str | None = None
    pay_by: datetime | None = None
    second_chance_to: str | None = None
    second_chance_price: int | None = None
    relisted_as: str | None = None
    version: int = 0

    @property
    def reserve_met(self) -> bool:
        if self.reserve_price is None:
            return self.leader is not None
        return self.leader is not None and self.leader.maximum >= self.reserve_price

    @property
    def open(self) -> bool:
        return self.status == "open"

    def buy_it_now_available(self) -> bool:
        return self.open and self.buy_it_now_price is not None and not self.buy_it_now_gone

    def seconds_left(self, at: datetime) -> int:
        return max(0, int((self.ends_at - at).total_seconds())) if self.open else 0

    def changed(self, **changes: object) -> Auction:
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class BidDecision:
    """A bid the engine accepted: the auction after it, the bid, and whom it outbid (if anyone)."""

    auction: Auction
    bid: Bid
    effect: BidEffect
    outbid: str | None


@dataclass(frozen=True)
class Closed:
    """The auction as it closed now (or had closed), and whether this call closed it."""

    auction: Auction
    closed_now: bool
