"""The auction service on in-memory ports: concurrent bids, the close, the winner's checkout, a
winner who does not pay, the second chance, and the agreement the winner checks out with."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.fakes.clock import T0, FakeClock
from tests.unit.auctions.fakes import (
    FakeBidders,
    FakeCheckouts,
    FakeListings,
    FakeSignals,
    FakeStock,
    InMemoryAuctions,
    Recorded,
)
from workflows.auctions.checkouts import AuctionAgreements
from workflows.auctions.commands import EndAuction, PlaceBid
from workflows.auctions.errors import AuctionNotFound, BidTooLow
from workflows.auctions.increments import increment
from workflows.auctions.service import AuctionService, holder_of
from workflows.catalog.model import (
    AuctionTerms,
    Condition,
    Listing,
    ListingFormat,
    ListingStatus,
    ShippingOption,
)
from workflows.shared.errors import IdempotencyKeyReused, TransientError
from workflows.shared.identity import Caller
from workflows.shared.money import Money

ENDS = T0 + timedelta(days=7)


def _listing(listing_id: str = "l-1", reserve: int | None = None) -> Listing:
    return Listing(
        id=listing_id,
        seller_id="seller",
        title="A lamp",
        description="",
        category_id="c",
        category_path=("c",),
        condition=Condition.USED_GOOD,
        item_specifics=(),
        price=Money(1_000, "USD"),
        quantity=1,
        shipping_options=(ShippingOption("Ground", Money(500, "USD"), 3),),
        format=ListingFormat.AUCTION,
        status=ListingStatus.ACTIVE,
        created_at=T0,
        updated_at=T0,
        auction=AuctionTerms(
            starting_price=Money(1_000, "USD"),
            reserve_price=Money(reserve, "USD") if reserve else None,
            buy_it_now_price=None,
            duration_days=7,
            ends_at=ENDS,
        ),
    )


@pytest.fixture
def world():
    clock = FakeClock()
    recorded = Recorded()
    service = AuctionService(
        store=InMemoryAuctions(),
        listings=FakeListings({"l-1": _listing()}),
        stock=FakeStock(),  # type: ignore[arg-type]
        bidders=FakeBidders(),
        notifications=recorded,
        events=recorded,
        clock=clock,
        signals=FakeSignals(),
        checkouts=FakeCheckouts(),
    )
    return service, clock, recorded


def _who(user_id: str) -> Caller:
    return Caller(user_id=user_id, email=f"{user_id}@example.com", roles=frozenset({"buyer"}))


def _bid(service: AuctionService, user: str, amount: int, key: str | None = None):
    return service.place_bid(
        _who(user), "l-1", PlaceBid.model_validate({"max_amount": {"amount": amount, "currency": "USD"}}), key
    )


def test_given_threads_bidding_at_once_then_every_bid_is_decided_on_the_one_before(world) -> None:
    service, _, recorded = world
    errors: list[Exception] = []

    def place(n: int) -> None:
        try:
            _bid(service, f"u{n}", 5_000 + 100 * n)
        except BidTooLow:
            pass
        except Exception as exc:  # noqa: BLE001 - the test reports any other failure
            errors.append(exc)

    threads = [threading.Thread(target=place, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    auction = service.store.get("l-1")
    assert auction is not None and auction.leader is not None
    landed = sorted(b.maximum for b in service.store.bids("l-1"))
    assert auction.bid_count == len(landed) and auction.leader.maximum == landed[-1]
    assert auction.price == min(landed[-1], landed[-2] + increment(landed[-2], "USD"))
    assert len(recorded.events) == len(landed)  # one BidPlaced per bid that landed


def test_given_an_idempotency_key_then_the_same_bid_is_answered_and_another_body_refused(world) -> None:
    service, _, _ = world
    first = _bid(service, "ann", 3_000, key="k1")
    assert _bid(service, "ann", 3_000, key="k1") == first
    with pytest.raises(IdempotencyKeyReused):
        _bid(service, "ann", 4_000, key="k1")
    assert service.store.get("l-1").bid_count == 1  # type: ignore[union-attr]


def test_given_a_missing_listing_then_there_is_no_auction(world) -> None:
    service, _, _ = world
    bid = PlaceBid.model_validate({"max_amount": {"amount": 1_000, "currency": "USD"}})
    with pytest.raises(AuctionNotFound):
        service.place_bid(_who("ann"), "nope", bid)


def test_given_the_end_then_the_close_holds_the_unit_tells_everyone_and_the_winner_checks_out(world) -> None:
    service, clock, recorded = world
    _bid(service, "ann", 3_000)
    _bid(service, "bob", 6_000)
    clock.set(ENDS)
    closed = service.close("l-1")
    assert (closed.outcome, closed.winner_id, closed.final_price) == ("sold", "bob", 3_100)
    assert service.stock.holders == {"l-1": holder_of("l-1")}  # type: ignore[attr-defined]
    assert recorded.told("auctions.won") == ["bob"] and recorded.told("auctions.lost") == ["ann"]
    assert recorded.told("auctions.sold") == ["seller"]
    assert service.close("l-1") == closed  # a retried step changes nothing
    started = service.start_checkout("l-1", "winner")
    assert started.checkout_id == "co-l-1"
    sale = service.checkouts.started["l-1"]  # type: ignore[union-attr]
    assert sale["buyer_id"] == "bob" and sale["price"] == Money(3_100, "USD")
    assert sale["pay_by"] == ENDS + timedelta(days=4)
    assert started.wait_s == 4 * 86_400 + 600
    # before the deadline, the winner may still pay: looked at again later
    with pytest.raises(TransientError):
        service.check_payment("l-1", "winner")


def test_given_a_winner_who_does_not_pay_then_the_second_chance_goes_to_the_next_bidder(world) -> None:
    service, clock, recorded = world
    _bid(service, "ann", 3_000)
    _bid(service, "bob", 6_000)
    clock.set(ENDS)
    service.close("l-1")
    service.start_checkout("l-1", "winner")
    clock.advance(days=4, minutes=11)
    unpaid = service.check_payment("l-1", "winner")
    assert not unpaid.paid and unpaid.choice_window_s == 7 * 86_400
    assert service.stock.holders == {}  # type: ignore[attr-defined] # the hold released at the deadline
    assert recorded.told("auctions.winner_did_not_pay") == ["seller"]
    seller = Caller(user_id="seller", email="s@example.com", roles=frozenset({"buyer", "seller"}))
    offered = service.offer_second_chance(seller, "l-1")
    assert offered.outcome == "sold"
    assert service.signals.sent[-1] == ("auction_seller:l-1", "auction.second_chance")  # type: ignore[union-attr]
    assert service.settle_seller_choice("l-1").choice == "second_chance"
    assert recorded.told("auctions.second_chance") == ["ann"]
    service.start_checkout("l-1", "second_chance")
    second = service.checkouts.started["l-1-second-chance"]  # type: ignore[union-attr]
    assert second["buyer_id"] == "ann" and second["price"] == Money(3_000, "USD")
    service.checkouts.outcomes["l-1-second-chance"] = "paid"  # type: ignore[union-attr]
    assert service.check_payment("l-1", "second_chance").paid


def test_given_a_winner_without_an_address_then_they_are_told_to_check_out_with_the_auction_id(world) -> None:
    service, clock, recorded = world
    service.checkouts.no_address.add("bob")  # type: ignore[union-attr]
    _bid(service, "bob", 6_000)
    clock.set(ENDS)
    service.close("l-1")
    assert service.start_checkout("l-1", "winner").checkout_id is None
    assert recorded.told("auctions.check_out") == ["bob"]
    agreements = AuctionAgreements(lambda: service.store, clock)
    sale = agreements.agreed_sale("l-1", "bob")
    assert sale is not None and sale.unit_price == Money(1_000, "USD") and sale.holder == holder_of("l-1")
    assert agreements.agreed_sale("l-1", "ann") is None
    clock.advance(days=5)
    assert agreements.agreed_sale("l-1", "bob") is None  # the deadline passed


def test_given_an_early_end_or_buy_it_now_then_the_machine_is_woken(world) -> None:
    service, _, _ = world
    seller = Caller(user_id="seller", email="s@example.com", roles=frozenset({"buyer", "seller"}))
    ended = service.end_early(seller, "l-1", EndAuction())
    assert ended.outcome == "ended_early"
    assert service.signals.sent == [("auction_end:l-1", "auction.ended_early")]  # type: ignore[union-attr]
    closed = service.close("l-1")
    assert closed.outcome == "ended_early"
    assert service.listings.ended == [("l-1", "auction_unsold")]  # type: ignore[attr-defined]
