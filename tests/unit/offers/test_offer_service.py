"""The offers service on hand-written fakes (no I/O): the thresholds, whose turn it is, the
counters' bounds, the deadline racing an answer, closing at the deadline to pay, and what
checkout may buy while the agreement stands."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.fakes.catalog import FakeListings, RecordingEvents, RecordingNotifications
from tests.fakes.clock import T0, FakeClock
from tests.fakes.waits import InMemoryWaitingTasks, RecordingResponder
from tests.unit.fees.test_fee_service import listing
from workflows.catalog.model import BestOfferTerms
from workflows.offers.commands import CounterOffer, MakeOffer
from workflows.offers.errors import (
    CounterOutOfRange,
    NotYourTurn,
    OfferAlreadyOpen,
    OfferClosed,
    OfferItemUnavailable,
    OfferNotFound,
)
from workflows.offers.model import OfferMove, OfferRecord, holder_of
from workflows.offers.service import OfferAgreements, OfferDependencies, OfferService
from workflows.shared.errors import TransientError
from workflows.shared.identity import Caller
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

BUYER = Caller("b", "b@example.com", frozenset({"buyer"}))
SELLER = Caller("s1", "s@example.com", frozenset({"buyer", "seller"}))
STRANGER = Caller("x", "x@example.com", frozenset({"buyer"}))


@dataclass
class FakeOffers:
    rows: dict[str, OfferRecord] = field(default_factory=dict)
    log: dict[str, list[OfferMove]] = field(default_factory=dict)

    def get(self, offer_id: str, *, for_update: bool = False) -> OfferRecord | None:
        return self.rows.get(offer_id)

    def add(self, offer: OfferRecord) -> bool:
        if offer.offer_id in self.rows:
            return False
        self.rows[offer.offer_id] = offer
        return True

    def save(self, offer: OfferRecord) -> None:
        self.rows[offer.offer_id] = offer

    def record(self, offer_id: str, move: OfferMove) -> None:
        self.log.setdefault(offer_id, []).append(move)

    def moves(self, offer_id: str) -> list[OfferMove]:
        return list(self.log.get(offer_id, []))

    def lock_buyer(self, buyer_id: str, listing_id: str) -> None:
        pass

    def of_buyer_on(self, buyer_id: str, listing_id: str) -> list[OfferRecord]:
        return [o for o in self.rows.values() if o.buyer_id == buyer_id and o.listing_id == listing_id]

    def of_user(self, user_id: str, role: str, *, limit: int, after: object) -> list[OfferRecord]:
        return [o for o in self.rows.values() if (o.buyer_id if role == "buyer" else o.seller_id) == user_id]


@dataclass
class FakeUow:
    offers: FakeOffers


@dataclass
class FakeStock:
    available: int = 1
    holds: dict[str, int] = field(default_factory=dict)

    def hold(self, listing_id: str, holder: str, quantity: int) -> str:
        if holder in self.holds:
            return "already_held"
        if quantity > self.available:
            return "not_enough"
        self.available -= quantity
        self.holds[holder] = quantity
        return "held"

    def release(self, listing_id: str, holder: str) -> int:
        held = self.holds.pop(holder, 0)
        self.available += held
        return held

    def held(self, listing_id: str, holder: str) -> int:
        return self.holds.get(holder, 0)

    def refresh_status(self, listing_id: str, at: datetime) -> str | None:
        return None


@dataclass
class FakeCheckouts:
    found: tuple[str, str] | None = None

    def latest(self, kind: str, source_id: str) -> tuple[str, str] | None:
        return self.found


class FakeStarter:
    def __init__(self) -> None:
        self.started: list[str] = []

    def start(self, name: str, payload: dict[str, object]) -> object:
        self.started.append(name)
        return None


@dataclass
class World:
    service: OfferService
    store: FakeOffers
    stock: FakeStock
    checkouts: FakeCheckouts
    clock: FakeClock
    waiting: InMemoryWaitingTasks
    notifications: RecordingNotifications
    agreements: OfferAgreements


@pytest.fixture
def world() -> World:
    store, stock, checkouts, clock = FakeOffers(), FakeStock(), FakeCheckouts(), FakeClock(T0)
    listings = FakeListings()
    terms = BestOfferTerms(auto_accept_at=Money(8000, "USD"), auto_decline_below=Money(5000, "USD"))
    listings.add(listing("l1", best_offer=terms, created_at=T0, updated_at=T0))

    @contextmanager
    def uow() -> Iterator[FakeUow]:
        yield FakeUow(store)

    waiting, notifications = InMemoryWaitingTasks(), RecordingNotifications()
    deps = OfferDependencies(
        uow=uow,
        listings=listings,
        stock=stock,
        checkouts=checkouts,
        starter=FakeStarter(),
        waiting=waiting,
        responder=RecordingResponder(),
        notifications=notifications,
        events=RecordingEvents(),
        clock=clock,
    )
    return World(
        OfferService(deps),
        store,
        stock,
        checkouts,
        clock,
        waiting,
        notifications,
        OfferAgreements(uow, clock),
    )


def _offer(world: World, amount: int, key: str = "k1") -> str:
    made, created = world.service.make(
        BUYER, "l1", MakeOffer.model_validate({"amount": {"amount": amount, "currency": "USD"}}), key
    )
    assert created
    return made.offer_id


def _usd(amount: int) -> CounterOffer:
    return CounterOffer.model_validate({"amount": {"amount": amount, "currency": "USD"}})


@pytest.mark.parametrize(
    ("amount", "stage", "status"),
    [
        (4999, "ended", "declined"),
        (8000, "accepted", "accepted"),
        (6000, "awaiting_answer", "awaiting_seller"),
    ],
)
def test_given_the_thresholds_then_the_offer_is_decided_at_once_or_left_to_the_seller(
    world: World, amount: int, stage: str, status: str
) -> None:
    offer_id = _offer(world, amount)
    evaluated = world.service.evaluate(offer_id)
    assert (evaluated.stage, evaluated.status) == (stage, status)
    assert (holder_of(offer_id) in world.stock.holds) == (status == "accepted")
    assert world.service.evaluate(offer_id).status == status  # evaluated again: the same


def test_given_an_auto_accept_with_nothing_to_hold_then_the_seller_decides(world: World) -> None:
    world.stock.available = 0
    offer_id = _offer(world, 9000)
    assert world.service.evaluate(offer_id).status == "awaiting_seller"
    with pytest.raises(OfferItemUnavailable):
        world.service.accept(SELLER, offer_id)


def test_given_whose_turn_it_is_then_only_that_party_answers(world: World) -> None:
    offer_id = _offer(world, 6000)
    with pytest.raises(OfferNotFound):
        world.service.accept(STRANGER, offer_id)
    with pytest.raises(NotYourTurn):
        world.service.accept(BUYER, offer_id)
    with pytest.raises(OfferAlreadyOpen):
        _offer(world, 6100, key="k2")
    countered = world.service.counter(SELLER, offer_id, _usd(7000))
    assert (countered.status, countered.round, countered.awaiting) == ("awaiting_buyer", 2, "buyer")
    with pytest.raises(NotYourTurn):
        world.service.decline(SELLER, offer_id)
    accepted = world.service.accept(BUYER, offer_id)
    assert accepted.status == "accepted" and accepted.amount.amount == 7000
    assert world.service.accept(BUYER, offer_id).status == "accepted"  # the same answer again
    # the answers resumed the machine's waits, each under its round's key (kept for the wait)
    assert set(world.waiting.events) == {f"offer:{offer_id}-1", f"offer:{offer_id}-2"}


@pytest.mark.parametrize(
    ("who", "amount"), [("seller", 6000), ("seller", 10001), ("buyer", 7000), ("buyer", 0)]
)
def test_given_a_counter_out_of_its_bounds_then_refused(world: World, who: str, amount: int) -> None:
    offer_id = _offer(world, 6000)
    if who == "buyer":
        world.service.counter(SELLER, offer_id, _usd(7000))
    with pytest.raises(CounterOutOfRange):
        world.service.counter(SELLER if who == "seller" else BUYER, offer_id, _usd(amount))


def test_given_the_deadline_then_the_round_expires_unless_it_was_answered(world: World) -> None:
    offer_id = _offer(world, 6000)
    world.service.counter(SELLER, offer_id, _usd(7000))
    assert world.service.expire(offer_id, 1).expired is False  # round 1 was answered: round 2 runs
    world.clock.advance(timedelta(hours=48))
    with pytest.raises(OfferClosed):
        world.service.accept(BUYER, offer_id)  # too late, even before the machine expires it
    assert world.service.expire(offer_id, 2).expired is True
    assert world.store.rows[offer_id].status == "expired"


def test_given_an_accepted_offer_then_checkout_may_buy_it_until_the_deadline_then_it_lapses(
    world: World,
) -> None:
    offer_id = _offer(world, 8500)
    world.service.evaluate(offer_id)
    sale = world.agreements.agreed_sale(offer_id, "b")
    assert sale is not None and sale.unit_price == Money(8500, "USD") and sale.holder == holder_of(offer_id)
    assert world.agreements.agreed_sale(offer_id, "x") is None
    world.clock.advance(timedelta(hours=48))
    assert world.agreements.agreed_sale(offer_id, "b") is None
    assert world.service.close(offer_id).status == "lapsed"
    assert world.stock.holds == {} and world.stock.available == 1


def test_given_a_checkout_at_the_deadline_then_close_waits_for_it_or_marks_it_purchased(world: World) -> None:
    offer_id = _offer(world, 8500)
    world.service.evaluate(offer_id)
    world.checkouts.found = ("c-1", "awaiting_payment")
    with pytest.raises(TransientError):
        world.service.close(offer_id)
    world.checkouts.found = ("c-1", "paid")
    world.stock.holds.clear()  # the checkout took the unit over and settled it
    assert world.service.close(offer_id).status == "purchased"
    assert world.service.close(offer_id).status == "purchased"  # a retry changes nothing


def test_given_a_failure_then_release_gives_the_unit_back_once(world: World) -> None:
    offer_id = _offer(world, 8500)
    world.service.evaluate(offer_id)
    assert world.service.release(offer_id).status == "failed"
    assert world.service.release(offer_id).status == "failed"
    assert world.stock.available == 1
    assert [m.kind for m in world.store.moves(offer_id)] == ["offer", "accept", "fail"]
