"""Proxy bidding against a plain model of eBay's rules (hypothesis: random bid sequences).

The model keeps every bidder's best maximum and recomputes everything from scratch after each
bid: rank the bidders by (maximum, earlier first), the price is the second maximum plus its
band's increment, capped at the first, lifted to the reserve once the first meets it. The engine
keeps only a leader and a runner-up and updates them; both must accept and refuse the same bids
and agree on the price, the leader and the runner-up after every one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.auctions import engine
from workflows.auctions.errors import (
    AuctionEnded,
    AuctionHasBids,
    AuctionStillOpen,
    BidTooLow,
    BuyItNowUnavailable,
    NoBidToRetract,
    RetractionNotAllowed,
    SellerCannotBid,
    SellerChoiceUnavailable,
)
from workflows.auctions.increments import increment
from workflows.auctions.model import Auction

START = datetime(2026, 1, 1, tzinfo=UTC)
ENDS = START + timedelta(days=7)

# eBay's published US table, in cents: (price, increment)
EBAY_TABLE = [
    (1, 5), (99, 5), (100, 25), (499, 25), (500, 50), (2_499, 50), (2_500, 100), (9_999, 100),
    (10_000, 250), (24_999, 250), (25_000, 500), (49_999, 500), (50_000, 1_000), (99_999, 1_000),
    (100_000, 2_500), (249_999, 2_500), (250_000, 5_000), (499_999, 5_000), (500_000, 10_000),
    (10_000_000, 10_000),
]  # fmt: skip


def auction(start: int = 1_000, reserve: int | None = None, bin_price: int | None = None) -> Auction:
    return Auction(
        listing_id="l-1",
        seller_id="seller",
        title="A thing",
        currency="USD",
        starting_price=start,
        reserve_price=reserve,
        buy_it_now_price=bin_price,
        ends_at=ENDS,
        price=start,
    )


@dataclass
class PlainModel:
    """eBay's rules, recomputed from every bidder's best maximum each time."""

    start: int
    reserve: int | None
    best: dict[str, tuple[int, int]] = field(default_factory=dict)  # bidder -> (maximum, seq)
    seq: int = 0

    def ranking(self) -> list[tuple[str, int, int]]:
        return sorted(((b, m, s) for b, (m, s) in self.best.items()), key=lambda r: (-r[1], r[2]))

    def price(self) -> int:
        ranked = self.ranking()
        if not ranked:
            return self.start
        top = ranked[0][1]
        price = self.start if len(ranked) == 1 else min(top, ranked[1][1] + increment(ranked[1][1], "USD"))
        if self.reserve is not None and top >= self.reserve:
            price = max(price, self.reserve)
        return price

    def minimum(self, bidder: str) -> int:
        ranked = self.ranking()
        if not ranked:
            return self.start
        if ranked[0][0] == bidder:
            return ranked[0][1] + 1
        return self.price() + increment(self.price(), "USD")

    def bid(self, bidder: str, maximum: int) -> bool:
        if maximum < self.minimum(bidder):
            return False
        self.seq += 1
        previous = self.best.get(bidder)
        if previous is None or maximum > previous[0]:
            self.best[bidder] = (maximum, self.seq)
        return True


bids = st.lists(
    st.tuples(
        st.sampled_from(["ann", "bob", "cat", "dan", "eve"]), st.integers(min_value=1, max_value=60_000)
    ),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(
    bids=bids,
    start=st.integers(min_value=1, max_value=5_000),
    reserve=st.one_of(st.none(), st.integers(min_value=1, max_value=40_000)),
)
def test_given_random_bids_then_the_engine_agrees_with_the_plain_model(
    bids: list[tuple[str, int]], start: int, reserve: int | None
) -> None:
    state = auction(start, reserve if reserve is None or reserve > start else None)
    model = PlainModel(state.starting_price, state.reserve_price)
    for n, (bidder, maximum) in enumerate(bids):
        minimum = model.minimum(bidder)
        accepted = model.bid(bidder, maximum)
        if not accepted:
            with pytest.raises(BidTooLow) as refused:
                engine.place_bid(state, bidder_id=bidder, maximum=maximum, bid_id=f"b{n}", at=START)
            assert refused.value.details["minimum"]["amount"] == minimum
            continue
        placed = engine.place_bid(state, bidder_id=bidder, maximum=maximum, bid_id=f"b{n}", at=START)
        state = placed.auction
        ranked = model.ranking()
        assert state.price == model.price()
        assert state.leader is not None and state.leader.bidder_id == ranked[0][0]
        assert state.leader.maximum == ranked[0][1]
        assert (state.runner_up.maximum if state.runner_up else None) == (
            ranked[1][1] if len(ranked) > 1 else None
        )
        assert state.price <= state.leader.maximum
        assert placed.bid.price_after == state.price
    closed = engine.close(state, ENDS).auction
    ranked = model.ranking()
    if not ranked:
        assert closed.outcome == "no_bids"
    elif reserve is not None and state.reserve_price is not None and ranked[0][1] < state.reserve_price:
        assert closed.outcome == "reserve_not_met" and closed.winner_id is None
    else:
        assert closed.outcome == "sold"
        assert (closed.winner_id, closed.final_price) == (ranked[0][0], model.price())


@pytest.mark.parametrize(("price", "step"), EBAY_TABLE)
def test_given_ebays_table_then_each_band_has_its_increment(price: int, step: int) -> None:
    assert increment(price, "USD") == step


def test_given_a_zero_decimal_currency_then_the_table_is_in_whole_units() -> None:
    assert increment(50, "JPY") == 1  # 50 yen is in the 25-99.99 band: one yen
    assert increment(3_000, "JPY") == 50  # 2,500-4,999 yen: 50 yen
    assert increment(600_000, "JPY") == 100


def test_given_two_bidders_then_the_price_is_the_second_maximum_plus_one_increment() -> None:
    a = engine.place_bid(auction(1_000), bidder_id="ann", maximum=5_000, bid_id="1", at=START)
    assert a.auction.price == 1_000 and a.effect == "leading"
    b = engine.place_bid(a.auction, bidder_id="bob", maximum=3_000, bid_id="2", at=START)
    # bob is outbid at once by ann's proxy: 30.00 + 1.00
    assert (b.effect, b.outbid, b.auction.price, b.auction.leader.bidder_id) == (
        "outbid",
        "bob",
        3_100,
        "ann",
    )  # type: ignore[union-attr]
    c = engine.place_bid(b.auction, bidder_id="cat", maximum=9_000, bid_id="3", at=START)
    assert (c.effect, c.outbid, c.auction.price) == ("leading", "ann", 5_100)


def test_given_equal_maximums_then_the_earlier_bid_wins_at_that_maximum() -> None:
    a = engine.place_bid(auction(1_000), bidder_id="ann", maximum=4_000, bid_id="1", at=START)
    b = engine.place_bid(a.auction, bidder_id="bob", maximum=4_000, bid_id="2", at=START)
    assert b.auction.leader.bidder_id == "ann" and b.auction.price == 4_000  # type: ignore[union-attr]


def test_given_a_bid_under_the_minimum_then_bid_too_low_with_the_minimum() -> None:
    a = engine.place_bid(auction(1_000), bidder_id="ann", maximum=2_000, bid_id="1", at=START)
    with pytest.raises(BidTooLow) as low:
        engine.place_bid(a.auction, bidder_id="bob", maximum=1_049, bid_id="2", at=START)
    assert low.value.details["minimum"] == {"amount": 1_050, "currency": "USD"}
    with pytest.raises(BidTooLow):
        engine.place_bid(auction(1_000), bidder_id="bob", maximum=999, bid_id="2", at=START)
    # the leader raises their own maximum: the price does not move
    raised = engine.place_bid(a.auction, bidder_id="ann", maximum=8_000, bid_id="3", at=START)
    assert raised.effect == "raised" and raised.auction.price == 1_000
    assert raised.auction.leader.maximum == 8_000  # type: ignore[union-attr]


def test_given_a_reserve_then_the_price_jumps_to_it_once_met_and_buy_it_now_stays_until_then() -> None:
    state = auction(1_000, reserve=5_000, bin_price=9_000)
    a = engine.place_bid(state, bidder_id="ann", maximum=2_000, bid_id="1", at=START).auction
    assert not a.reserve_met and a.buy_it_now_available() and a.price == 1_000
    b = engine.place_bid(a, bidder_id="ann", maximum=6_000, bid_id="2", at=START).auction
    assert b.reserve_met and b.price == 5_000 and not b.buy_it_now_available()
    with pytest.raises(BuyItNowUnavailable):
        engine.buy_now(b, buyer_id="bob", at=START)


def test_given_no_reserve_then_buy_it_now_goes_with_the_first_bid() -> None:
    state = auction(1_000, bin_price=2_000)
    bought = engine.buy_now(state, buyer_id="bob", at=START)
    assert (bought.outcome, bought.winner_id, bought.final_price, bought.open) == (
        "bought_now",
        "bob",
        2_000,
        False,
    )
    a = engine.place_bid(state, bidder_id="ann", maximum=1_500, bid_id="1", at=START).auction
    with pytest.raises(BuyItNowUnavailable):
        engine.buy_now(a, buyer_id="bob", at=START)


def test_given_the_end_then_no_bid_lands_and_the_seller_never_bids() -> None:
    with pytest.raises(AuctionEnded):
        engine.place_bid(auction(), bidder_id="ann", maximum=5_000, bid_id="1", at=ENDS)
    with pytest.raises(SellerCannotBid):
        engine.place_bid(auction(), bidder_id="seller", maximum=5_000, bid_id="1", at=START)
    with pytest.raises(AuctionStillOpen):
        engine.close(auction(), ENDS - timedelta(seconds=1))
    closed = engine.close(auction(), ENDS)
    assert closed.closed_now and closed.auction.outcome == "no_bids"
    assert not engine.close(closed.auction, ENDS).closed_now
    with pytest.raises(AuctionEnded):
        engine.place_bid(closed.auction, bidder_id="ann", maximum=5_000, bid_id="1", at=START)


def test_given_retractions_then_ebays_rule_applies_and_the_price_is_replayed() -> None:
    placed = []
    state = auction(1_000)
    for n, (who, maximum) in enumerate([("ann", 3_000), ("bob", 5_000), ("cat", 4_000)]):
        step = engine.place_bid(state, bidder_id=who, maximum=maximum, bid_id=str(n), at=START)
        state, placed = step.auction, [*placed, step.bid]
    assert (state.leader.bidder_id, state.price) == ("bob", 4_100)  # type: ignore[union-attr]
    rebuilt, gone = engine.retract(state, placed, bidder_id="bob", at=START)
    assert [b.bidder_id for b in gone] == ["bob"]
    assert (rebuilt.leader.bidder_id, rebuilt.price, rebuilt.bid_count) == ("cat", 3_100, 2)  # type: ignore[union-attr]
    late = ENDS - timedelta(hours=11)
    with pytest.raises(RetractionNotAllowed):
        engine.retract(state, placed, bidder_id="bob", at=late)
    fresh = engine.place_bid(
        state, bidder_id="dan", maximum=9_000, bid_id="x", at=late - timedelta(minutes=30)
    )
    engine.retract(fresh.auction, [*placed, fresh.bid], bidder_id="dan", at=late)  # within the hour
    with pytest.raises(NoBidToRetract):
        engine.retract(state, placed, bidder_id="eve", at=START)


def test_given_bids_then_ending_early_needs_a_reason_and_a_second_chance_goes_to_the_next_bidder() -> None:
    a = engine.place_bid(auction(1_000), bidder_id="ann", maximum=3_000, bid_id="1", at=START).auction
    b = engine.place_bid(a, bidder_id="bob", maximum=2_000, bid_id="2", at=START).auction
    with pytest.raises(AuctionHasBids):
        engine.end_early(b, seller_id="seller", at=START, reason=None)
    ended = engine.end_early(b, seller_id="seller", at=START, reason="item broken")
    assert (ended.outcome, ended.winner_id) == ("ended_early", None)
    sold = engine.close(b, ENDS).auction
    with pytest.raises(SellerChoiceUnavailable):  # the winner may still pay
        engine.offer_second_chance(sold, seller_id="seller")
    unpaid = sold.changed(after_sale="awaiting_seller")
    offered = engine.offer_second_chance(unpaid, seller_id="seller")
    assert (offered.second_chance_to, offered.second_chance_price) == ("bob", 2_000)
