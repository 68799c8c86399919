"""The auctions' DynamoDB store on the local cloud: every write conditional on the version read,
so a bid decided on the open auction cannot land after the close, and a request is decided once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from adapters.dynamo.bids import DynamoAuctions
from adapters.dynamo.connection import DynamoConnection
from workflows.auctions import engine
from workflows.auctions.model import Auction
from workflows.auctions.ports import BidRequest

if TYPE_CHECKING:
    from local.runtime import LocalCloud

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(cloud: LocalCloud) -> DynamoAuctions:
    aws, provisioned = cloud.started()
    connection = DynamoConnection(region=aws.region, endpoint_url=aws.endpoint_url)
    return DynamoAuctions(connection, provisioned.physical_name("auction-bids"))


def _auction() -> Auction:
    return Auction(
        listing_id=f"l-{uuid.uuid4().hex[:10]}",
        seller_id="seller",
        title="A lamp",
        currency="USD",
        starting_price=1_000,
        reserve_price=2_000,
        buy_it_now_price=None,
        ends_at=START + timedelta(days=1),
        price=1_000,
    )


def test_given_an_auction_then_it_round_trips_and_opening_twice_keeps_the_first(
    store: DynamoAuctions,
) -> None:
    auction = _auction()
    assert store.open(auction) == auction
    assert store.open(auction.changed(title="another")) == auction
    assert store.get_many([auction.listing_id, "l-missing"]) == {auction.listing_id: auction}
    assert store.get("l-missing") is None


def test_given_a_bid_decided_before_the_close_then_it_cannot_land_after_it(store: DynamoAuctions) -> None:
    opened = store.open(_auction())
    first = engine.place_bid(opened, bidder_id="ann", maximum=3_000, bid_id="b1", at=START)
    assert store.commit(opened, first.auction, bids=(first.bid,))
    read = store.get(opened.listing_id)
    assert read is not None and read.leader is not None and read.reserve_met
    # a bid is decided on the auction as read (in flight) ...
    in_flight = engine.place_bid(
        read, bidder_id="bob", maximum=9_000, bid_id="b2", at=read.ends_at - timedelta(seconds=1)
    )
    # ... the close is written first ...
    closed = engine.close(read, read.ends_at)
    assert closed.closed_now and store.commit(read, closed.auction)
    # ... so the bid's write, conditional on the version it read, writes nothing
    assert not store.commit(read, in_flight.auction, bids=(in_flight.bid,))
    stored = store.get(opened.listing_id)
    assert stored is not None and stored.outcome == "sold" and stored.winner_id == "ann"
    assert [b.bid_id for b in store.bids(opened.listing_id)] == ["b1"]


def test_given_a_request_decided_then_it_is_kept_with_its_answer_and_not_decided_twice(
    store: DynamoAuctions,
) -> None:
    opened = store.open(_auction())
    placed = engine.place_bid(opened, bidder_id="ann", maximum=3_000, bid_id="b1", at=START)
    request = BidRequest("b1", "ann", "hash-1", {"bid_id": "b1", "status": "leading"})
    assert store.commit(opened, placed.auction, bids=(placed.bid,), request=request)
    assert store.request(opened.listing_id, "b1") == request
    # the same request again, on the new version: refused (decided already), nothing written
    again = engine.place_bid(placed.auction, bidder_id="ann", maximum=4_000, bid_id="b1", at=START)
    assert not store.commit(placed.auction, again.auction, bids=(again.bid,), request=request)
    stored = store.get(opened.listing_id)
    assert stored is not None and stored.version == placed.auction.version
