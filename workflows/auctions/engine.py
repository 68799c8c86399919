"""Proxy bidding as pure functions: an auction and a bid in, the auction after it out.

eBay's rules: each bidder gives a secret maximum and the platform bids for them, one increment
at a time. The current price is the second highest maximum plus one increment (the increment of
the band that maximum is in), never above the highest maximum; with one bidder it is the
starting price. Ties go to the earlier bid. Once the leader's maximum meets the reserve, the price
is at least the reserve. A new bid must be at least the current price plus one increment (the
starting price while nobody bid); the leader may raise their own maximum (above it). Buy It Now
goes with the first bid, or with a reserve once the reserve is met, and never comes back.

Nothing here does I/O or reads a clock: the store reads the auction, these decide, the store
writes the result under a condition on the version it read.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from workflows.auctions.errors import (
    AuctionEnded,
    AuctionHasBids,
    AuctionStillOpen,
    BidTooLow,
    BuyItNowUnavailable,
    NoBidToRetract,
    OnlyTheSellerEndsAuctions,
    RetractionNotAllowed,
    SellerCannotBid,
    SellerChoiceUnavailable,
)
from workflows.auctions.increments import increment
from workflows.auctions.model import (
    RETRACT_FREELY_BEFORE_END_S,
    RETRACT_OWN_BID_WITHIN_S,
    Auction,
    Bid,
    BidDecision,
    Closed,
    Standing,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from workflows.auctions.model import BidEffect


def _better(a: Standing, b: Standing) -> bool:
    """``a`` ranks above ``b``: a higher maximum, or the same maximum set earlier."""
    return a.maximum > b.maximum or (a.maximum == b.maximum and a.seq < b.seq)


def price_of(auction: Auction, leader: Standing | None, runner_up: Standing | None) -> int:
    """The current price of ``auction`` with this leader and runner-up."""
    if leader is None:
        return auction.starting_price
    price = auction.starting_price
    if runner_up is not None:
        price = min(leader.maximum, runner_up.maximum + increment(runner_up.maximum, auction.currency))
    if auction.reserve_price is not None and leader.maximum >= auction.reserve_price:
        price = max(price, auction.reserve_price)
    return price


def minimum_bid(auction: Auction, bidder_id: str | None = None) -> int:
    """The least maximum ``bidder_id`` may bid now (the leader raises above their own maximum)."""
    if auction.leader is None:
        return auction.starting_price
    if bidder_id is not None and bidder_id == auction.leader.bidder_id:
        return auction.leader.maximum + 1
    return auction.price + increment(auction.price, auction.currency)


def _ensure_open(auction: Auction, at: datetime) -> None:
    if not auction.open or at >= auction.ends_at:
        raise AuctionEnded("This auction has ended: it takes no more bids.")


def place_bid(auction: Auction, *, bidder_id: str, maximum: int, bid_id: str, at: datetime) -> BidDecision:
    """A new bid (a maximum) on an open auction, checked against the rules, then applied."""
    _ensure_open(auction, at)
    if bidder_id == auction.seller_id:
        raise SellerCannotBid("Sellers cannot bid on their own auctions.")
    least = minimum_bid(auction, bidder_id)
    if maximum < least:
        leading = auction.leader is not None and auction.leader.bidder_id == bidder_id
        raise BidTooLow(
            "You lead this auction: a new maximum must be above your current one."
            if leading
            else f"The lowest bid accepted now is {least} (minor units of {auction.currency}).",
            details={"minimum": {"amount": least, "currency": auction.currency}},
        )
    return _apply(auction, bidder_id=bidder_id, maximum=maximum, bid_id=bid_id, at=at, seq=auction.next_seq)


def _apply(
    auction: Auction, *, bidder_id: str, maximum: int, bid_id: str, at: datetime, seq: int
) -> BidDecision:
    """Apply a bid without checking it (a replay applies bids that were checked when placed)."""
    new = Standing(bidder_id, maximum, seq)
    leader, runner_up = auction.leader, auction.runner_up
    outbid: str | None = None
    effect: BidEffect
    if leader is None:
        leader, effect = new, "leading"
    elif leader.bidder_id == bidder_id:
        effect = "raised"
        if maximum > leader.maximum:
            leader = new
    elif _better(new, leader):
        runner_up, leader, effect, outbid = leader, new, "leading", leader.bidder_id
    else:
        effect, outbid = "outbid", bidder_id
        if runner_up is None or _better(new, runner_up):
            runner_up = new
    price = price_of(auction, leader, runner_up)
    reserve_met = auction.reserve_price is None or leader.maximum >= auction.reserve_price
    after = auction.changed(
        leader=leader,
        runner_up=runner_up,
        price=price,
        bid_count=auction.bid_count + 1,
        next_seq=max(auction.next_seq, seq + 1),
        buy_it_now_gone=auction.buy_it_now_gone or reserve_met,
    )
    bid = Bid(seq=seq, bid_id=bid_id, bidder_id=bidder_id, maximum=maximum, placed_at=at, price_after=price)
    return BidDecision(auction=after, bid=bid, effect=effect, outbid=outbid)


def replay(auction: Auction, bids: Iterable[Bid]) -> Auction:
    """The auction rebuilt from ``bids`` (in sequence order), as if the others never were: what a
    retraction leaves. Buy It Now stays gone; sequence numbers are never reused."""
    rebuilt = replace(auction, leader=None, runner_up=None, price=auction.starting_price, bid_count=0)
    for bid in sorted(bids, key=lambda b: b.seq):
        rebuilt = _apply(
            rebuilt,
            bidder_id=bid.bidder_id,
            maximum=bid.maximum,
            bid_id=bid.bid_id,
            at=bid.placed_at,
            seq=bid.seq,
        ).auction
    return replace(rebuilt, next_seq=auction.next_seq, version=auction.version + 1)


def retract(auction: Auction, bids: list[Bid], *, bidder_id: str, at: datetime) -> tuple[Auction, list[Bid]]:
    """Retract every standing bid of ``bidder_id``: allowed with more than 12 hours left, or
    within an hour of their latest bid (eBay's rule). Returns the auction replayed without them
    and the bids retracted."""
    _ensure_open(auction, at)
    standing = [b for b in bids if not b.retracted]
    mine = [b for b in standing if b.bidder_id == bidder_id]
    if not mine:
        raise NoBidToRetract("You have no bid on this auction to retract.")
    latest = max(mine, key=lambda b: b.seq)
    left = auction.ends_at - at
    if left <= timedelta(seconds=RETRACT_FREELY_BEFORE_END_S) and at - latest.placed_at > timedelta(
        seconds=RETRACT_OWN_BID_WITHIN_S
    ):
        raise RetractionNotAllowed(
            "With 12 hours or less left, only a bid placed within the last hour can be retracted."
        )
    rebuilt = replay(auction, [b for b in standing if b.bidder_id != bidder_id])
    return rebuilt, [replace(b, retracted=True) for b in mine]


def close(auction: Auction, at: datetime) -> Closed:
    """Close at the end: sold to the leader at the current price if the reserve is met. Closing a
    closed auction changes nothing (the state machine's step may run twice)."""
    if not auction.open:
        return Closed(auction, closed_now=False)
    if at < auction.ends_at:
        raise AuctionStillOpen("The auction has not reached its end yet.")
    if auction.leader is None:
        closed = auction.changed(status="closed", outcome="no_bids", closed_at=at, after_sale="unsold")
    elif not auction.reserve_met:
        closed = auction.changed(
            status="closed", outcome="reserve_not_met", closed_at=at, after_sale="unsold"
        )
    else:
        closed = auction.changed(
            status="closed",
            outcome="sold",
            closed_at=at,
            winner_id=auction.leader.bidder_id,
            final_price=auction.price,
        )
    return Closed(closed, closed_now=True)


def buy_now(auction: Auction, *, buyer_id: str, at: datetime) -> Auction:
    """Buy It Now: the auction ends at once, sold to ``buyer_id`` at the Buy It Now price."""
    _ensure_open(auction, at)
    if buyer_id == auction.seller_id:
        raise SellerCannotBid("Sellers cannot buy their own items.")
    if not auction.buy_it_now_available() or auction.buy_it_now_price is None:
        raise BuyItNowUnavailable("Buy It Now is not available on this auction (any more).")
    return auction.changed(
        status="closed",
        outcome="bought_now",
        closed_at=at,
        winner_id=buyer_id,
        final_price=auction.buy_it_now_price,
        buy_it_now_gone=True,
    )


def end_early(auction: Auction, *, seller_id: str, at: datetime, reason: str | None) -> Auction:
    """The seller ends the auction before its end: with no bids, or cancelling them with a reason."""
    if seller_id != auction.seller_id:
        raise OnlyTheSellerEndsAuctions("Only the seller can end this auction.")
    _ensure_open(auction, at)
    if auction.bid_count and not reason:
        raise AuctionHasBids(
            "This auction has bids: give a reason to cancel them and end it.",
            details={"bid_count": auction.bid_count},
        )
    return auction.changed(
        status="closed", outcome="ended_early", closed_at=at, end_reason=reason, after_sale="unsold"
    )


def next_bidder(auction: Auction) -> Standing | None:
    """Who a second-chance offer goes to: the best bidder who is not the winner."""
    for standing in (auction.leader, auction.runner_up):
        if standing is not None and standing.bidder_id != auction.winner_id:
            return standing
    return None


def offer_second_chance(auction: Auction, *, seller_id: str) -> Auction:
    """The winner did not pay: the seller offers the item to the next bidder at their maximum."""
    if seller_id != auction.seller_id:
        raise OnlyTheSellerEndsAuctions("Only the seller can make a second-chance offer.")
    if auction.open:
        raise AuctionStillOpen("The auction has not ended yet.")
    standing = next_bidder(auction)
    if auction.after_sale != "awaiting_seller" or standing is None:
        raise SellerChoiceUnavailable(
            "A second-chance offer is possible once the winner failed to pay, to a bidder who bid."
        )
    return auction.changed(
        after_sale="second_chance",
        second_chance_to=standing.bidder_id,
        second_chance_price=standing.maximum,
    )


def choose_relist(auction: Auction, *, seller_id: str) -> Auction:
    """The seller relists an auction that did not end in a paid sale."""
    if seller_id != auction.seller_id:
        raise OnlyTheSellerEndsAuctions("Only the seller can relist this auction.")
    if auction.open:
        raise AuctionStillOpen("The auction has not ended yet.")
    if auction.after_sale not in ("awaiting_seller", "unsold"):
        raise SellerChoiceUnavailable("This auction sold, or its seller chose already.")
    return auction.changed(after_sale="relisted")
