"""``OrderDelivered`` is announced where a delivery is recorded: the buyer's confirmation and the
payout workflow's auto-confirmation; a repeat announces the same event (the same id)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.unit.feedback.fakes import Recorder
from tests.unit.payouts.world import BUYER, SELLER, World, caller
from workflows.fulfilment.events import OrderDelivered


def test_given_the_buyer_confirms_delivery_twice_then_one_order_delivered_is_announced_twice() -> None:
    world, recorder = World(), Recorder()
    order = world.paid_order(quantity=3)
    fulfilment = replace(world.fulfilment, events=recorder)
    fulfilment.ship(caller(SELLER), order.order_id, carrier="USPS", tracking_number="9400-1")
    assert recorder.events == []  # shipping delivers nothing
    fulfilment.confirm_delivery(caller(BUYER), order.order_id)
    fulfilment.confirm_delivery(caller(BUYER), order.order_id)  # a retried request
    first, again = recorder.events
    assert isinstance(first, OrderDelivered) and first == again
    assert (first.order_id, first.buyer_id, first.seller_id) == (order.order_id, BUYER, SELLER)
    assert (first.delivered_by, first.items, first.occurred_at) == ("buyer", 3, world.clock.now())
    assert first.event_id == OrderDelivered.event_id_for(order.order_id)


def test_given_the_delivery_window_passes_then_the_auto_confirmation_announces_it() -> None:
    world, recorder = World(), Recorder()
    order = world.paid_order()
    fulfilment = replace(world.fulfilment, events=recorder)
    fulfilment.ship(caller(SELLER), order.order_id, carrier="USPS", tracking_number="9400-1")
    world.clock.advance(timedelta(days=14))
    assert fulfilment.auto_confirm(order.order_id).confirmed
    (delivered,) = recorder.events
    assert isinstance(delivered, OrderDelivered) and delivered.delivered_by == "auto"


def test_given_an_order_not_shipped_then_auto_confirm_announces_nothing() -> None:
    world, recorder = World(), Recorder()
    order = world.paid_order()
    assert not replace(world.fulfilment, events=recorder).auto_confirm(order.order_id).confirmed
    assert recorder.events == []
