"""What the auctions answer: a bid, an auction's standing, the masked bid history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from workflows.auctions.engine import minimum_bid
from workflows.shared.money import Money
from workflows.shared.views import MoneyView, Timestamp, View

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.auctions.model import Auction, Bid
    from workflows.auctions.ports import BidderInfo

BidStatus = Literal["leading", "outbid", "retracted"]


def masked_name(info: BidderInfo | None) -> str:
    """eBay's masked bidder: first and last letter of the name, and the bidder's feedback count
    (or completed purchases, before any feedback): ``a***z (12)``."""
    letters = [c for c in (info.name if info and info.name else "") if c.isalnum()] or ["x"]
    count = 0
    if info is not None:
        count = info.feedback_count if info.feedback_count is not None else info.completed_purchases
    return f"{letters[0].lower()}***{letters[-1].lower()} ({count})"


class AuctionView(View):
    listing_id: str
    status: Literal["open", "ended"]
    current_price: MoneyView
    minimum_bid: MoneyView
    bid_count: int
    ends_at: Timestamp
    time_left_s: int
    #: None when the auction has no reserve (the reserve itself is never shown)
    reserve_met: bool | None
    buy_it_now_price: MoneyView | None
    outcome: Literal["sold", "bought_now", "reserve_not_met", "no_bids", "ended_early"] | None
    #: the caller's standing, when signed in and bidding
    you: Literal["leading", "outbid"] | None = None
    #: the winner's checkout (the winner and the seller see it)
    checkout_id: str | None = None

    @classmethod
    def of(
        cls, auction: Auction, at: datetime, caller_id: str | None = None, *, caller_bid: bool = False
    ) -> AuctionView:
        money = auction.currency
        open_now = auction.open and at < auction.ends_at
        you: Literal["leading", "outbid"] | None = None
        if caller_id and auction.leader is not None and auction.leader.bidder_id == caller_id:
            you = "leading"
        elif caller_id and caller_bid:
            you = "outbid"
        party = caller_id is not None and caller_id in (auction.seller_id, auction.winner_id)
        return cls(
            listing_id=auction.listing_id,
            status="open" if open_now else "ended",
            current_price=MoneyView.of(Money(auction.final_price or auction.price, money)),
            minimum_bid=MoneyView.of(Money(minimum_bid(auction, caller_id), money)),
            bid_count=auction.bid_count,
            ends_at=auction.closed_at
            if auction.closed_at and auction.closed_at < auction.ends_at
            else auction.ends_at,
            time_left_s=auction.seconds_left(at) if open_now else 0,
            reserve_met=None if auction.reserve_price is None else auction.reserve_met,
            buy_it_now_price=MoneyView.of(Money(auction.buy_it_now_price, money))
            if auction.buy_it_now_price is not None and auction.buy_it_now_available() and open_now
            else None,
            outcome=auction.outcome,
            you=you,
            checkout_id=auction.checkout_id if party else None,
        )


class BidView(View):
    """A bid just placed: whether it leads, and the auction now. Its maximum stays the bidder's."""

    bid_id: str
    listing_id: str
    max_amount: MoneyView
    status: BidStatus
    placed_at: Timestamp
    auction: AuctionView


class BidHistoryItem(View):
    bidder: str
    #: the leader's bids show the price they set, never the secret maximum; an outbid bid its amount
    amount: MoneyView
    placed_at: Timestamp
    status: BidStatus

    @classmethod
    def of(cls, bid: Bid, auction: Auction, info: BidderInfo | None) -> BidHistoryItem:
        leading = auction.leader is not None and auction.leader.bidder_id == bid.bidder_id
        status: BidStatus = "retracted" if bid.retracted else ("leading" if leading else "outbid")
        shown = bid.price_after if leading or bid.retracted else bid.maximum
        return cls(
            bidder=masked_name(info),
            amount=MoneyView.of(Money(shown, auction.currency)),
            placed_at=bid.placed_at,
            status=status,
        )


class BidHistory(View):
    auction: AuctionView
    items: list[BidHistoryItem]
    next_cursor: str | None


class RelistedView(View):
    """The new auction listing made by a relist, and the old auction."""

    listing_id: str
    auction: AuctionView
