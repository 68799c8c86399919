"""Fulfilment and the payout steps on in-memory books: the rules, and the ledger at every step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.payouts.world import BUYER, SELLER, STRANGER, World, caller
from workflows.fulfilment.errors import NotTheBuyer, NotTheSeller, OrderAlreadyShipped, OrderNotShipped
from workflows.ledger.invariants import all_balance, order_is_settled_correctly
from workflows.ledger.model import seller_payable
from workflows.orders.errors import OrderNotFound
from workflows.payouts.errors import DuplicateTransfer
from workflows.payouts.model import PayoutPolicy
from workflows.shared.money import Money


def balanced(world: World, order_id: str) -> bool:
    found = world.books.ledger.entries_for_order(order_id)
    return all_balance(world.books.ledger.entries.values()) and order_is_settled_correctly(found)


def test_given_a_paid_order_when_shipped_confirmed_and_paid_out_then_the_ledger_balances_at_every_step() -> (
    None
):
    w = World()
    order = w.paid_order()
    assert balanced(w, order.order_id)
    assert w.starter.started == {
        f"payout-{order.order_id}": {"order_id": order.order_id, "check": {"hold_served": False}}
    }
    assert w.payouts.check_fulfilment(order.order_id).stage == "awaiting_shipment"
    w.fulfilment.ship(caller(SELLER), order.order_id, carrier="USPS", tracking_number="9400-1")
    assert w.payouts.check_fulfilment(order.order_id).model_dump() == {
        "stage": "shipped",
        "status": "shipped",
        "auto_confirm_in_s": 14 * 86400,
    }
    assert balanced(w, order.order_id)
    w.fulfilment.confirm_delivery(caller(BUYER), order.order_id)
    assert w.payouts.check_fulfilment(order.order_id).stage == "delivered"
    out = w.pay_out(order.order_id)
    assert out.amount == order.seller_net.amount_minor
    assert balanced(w, order.order_id)
    # the seller is owed nothing more; Stripe got source_transaction and transfer_group
    assert w.books.ledger.balance(seller_payable(SELLER), "USD").amount_minor == 0
    request = w.stripe.transfers[out.transfer_id]["request"]
    assert (request.source_transaction, request.transfer_group, request.destination) == (
        "ch_0",
        order.checkout_id,
        "acct_seller",
    )
    w.payouts.notify_seller(order.order_id)
    assert any(n.type == "orders.payout_sent" and n.user_id == SELLER for n in w.notifications.sent.values())


def test_given_a_retried_transfer_step_then_one_transfer_and_one_entry() -> None:
    w = World()
    order = w.paid_order()
    w.deliver(order.order_id)
    first = w.pay_out(order.order_id)
    again = w.payouts.transfer(order.order_id)
    assert again.transfer_id == first.transfer_id
    assert (first.created, again.created) == (True, False)
    assert len(w.stripe.transfers) == 1
    assert [e.kind for e in w.books.ledger.entries_for_order(order.order_id)].count("transfer") == 1


def test_given_transfer_events_duplicated_and_out_of_order_then_each_has_one_effect() -> None:
    # Given a transfer Stripe made, which the Transfer step did not get to record (it crashed)
    w = World()
    order = w.paid_order()
    w.deliver(order.order_id)
    net = order.seller_net.amount_minor
    transfer = {
        "id": "tr_9",
        "amount": net,
        "currency": "usd",
        "metadata": {"order_id": order.order_id},
        "reversals": {"data": [{"id": "trr_1", "amount": 1000, "currency": "usd"}]},
    }
    created = {**transfer, "reversals": {"data": []}}
    # (which Stripe has, reversed in part: the events' handler reads it there)
    w.stripe.made("tr_9", order.seller_net, order.order_id, reversals=(("trr_1", Money(1000, "USD")),))
    # When the reversal arrives first, then the creation, then both again
    for kind, obj in [("transfer.reversed", transfer), ("transfer.created", created)] * 2:
        w.payouts.on_transfer_event(kind, obj)
    # Then the ledger has one transfer and one reversal, and still balances
    kinds = [e.kind for e in w.books.ledger.entries_for_order(order.order_id)]
    assert kinds.count("transfer") == 1 and kinds.count("reversal") == 1
    assert balanced(w, order.order_id)
    assert w.books.ledger.balance(seller_payable(SELLER), "USD").amount_minor == -1000
    assert w.books.state.payouts[order.order_id].transfer_id == "tr_9"
    # And a second, different transfer for the same order is refused (reconciliation reports it)
    w.stripe.made("tr_10", order.seller_net, order.order_id)
    with pytest.raises(DuplicateTransfer):
        w.payouts.on_transfer_event("transfer.created", {**created, "id": "tr_10"})
    assert [e.kind for e in w.books.ledger.entries_for_order(order.order_id)].count("transfer") == 1


def test_given_a_paid_order_when_cancelled_before_shipment_then_refund_stock_back_no_payout() -> None:
    w = World()
    order = w.paid_order()
    cancelled = w.fulfilment.cancel(caller(BUYER), order.order_id, reason="changed my mind")
    assert cancelled.refunded == order.gross
    view = cancelled.view
    assert view.status == "cancelled"
    assert view.cancellation is not None and view.cancellation.refunded.amount == order.gross.amount_minor
    assert len(w.stripe.refunds) == 1
    assert w.restocker.restocked == {f"cancel:{order.order_id}": [("listing-0", 2)]}
    assert balanced(w, order.order_id)
    assert w.books.ledger.balance(seller_payable(SELLER), "USD").amount_minor == 0
    assert w.payouts.check_fulfilment(order.order_id).stage == "cancelled"
    decision = w.payouts.apply_holds(order.order_id, hold_served=True)
    assert decision.decision == "stop"
    assert w.books.state.payouts[order.order_id].status == "stopped"
    # both are told; a repeated cancel changes nothing
    told = {n.user_id for n in w.notifications.sent.values() if n.type == "orders.order_cancelled"}
    assert told == {BUYER, SELLER}
    again = w.fulfilment.cancel(caller(SELLER), order.order_id, reason=None)
    assert again.refunded is None and again.view == view  # counted once, answered the same
    assert len(w.stripe.refunds) == 1
    assert len(w.books.ledger.entries_for_order(order.order_id)) == 4  # payment, fee, refund, refund_paid


def test_given_a_shipped_order_then_cancel_is_a_conflict_and_nothing_is_refunded() -> None:
    w = World()
    order = w.paid_order()
    w.fulfilment.ship(caller(SELLER), order.order_id, carrier="USPS", tracking_number="9400-1")
    with pytest.raises(OrderAlreadyShipped):
        w.fulfilment.cancel(caller(BUYER), order.order_id, reason=None)
    assert w.stripe.refunds == {}
    assert w.books.state.orders[order.order_id].status == "shipped"


def test_given_the_wrong_party_then_not_found_or_forbidden() -> None:
    w = World()
    order = w.paid_order()
    with pytest.raises(OrderNotFound):
        w.fulfilment.ship(caller(STRANGER), order.order_id, carrier="USPS", tracking_number="1")
    with pytest.raises(NotTheSeller):
        w.fulfilment.ship(caller(BUYER), order.order_id, carrier="USPS", tracking_number="1")
    with pytest.raises(OrderNotShipped):
        w.fulfilment.confirm_delivery(caller(BUYER), order.order_id)
    w.fulfilment.ship(caller(SELLER), order.order_id, carrier="USPS", tracking_number="1")
    with pytest.raises(NotTheBuyer):
        w.fulfilment.confirm_delivery(caller(SELLER), order.order_id)
    with pytest.raises(OrderNotFound):
        w.fulfilment.cancel(caller(STRANGER), order.order_id, reason=None)


def test_given_the_delivery_window_passed_then_auto_confirm_delivers_once() -> None:
    w = World()
    order = w.paid_order()
    w.fulfilment.ship(caller(SELLER), order.order_id, carrier="USPS", tracking_number="1")
    assert w.fulfilment.auto_confirm(order.order_id).confirmed is True
    assert w.fulfilment.auto_confirm(order.order_id).confirmed is False
    assert w.books.state.shipments[order.order_id].delivered_by == "auto"


def test_given_a_new_seller_then_the_first_sales_are_held_and_later_ones_are_not() -> None:
    w = World(policy=PayoutPolicy(new_seller_sales=2, new_seller_hold=timedelta(days=7)))
    orders = []
    for n in range(3):
        orders.append(w.paid_order(n))
        w.clock.moment += timedelta(minutes=1)
    decisions = []
    for order in orders:
        w.deliver(order.order_id)
        decisions.append(w.payouts.apply_holds(order.order_id, hold_served=False))
    assert [(d.decision, d.reason) for d in decisions] == [
        ("hold", "new_seller"),
        ("hold", "new_seller"),
        ("transfer", None),
    ]
    assert 7 * 86400 - 300 < decisions[0].wait_s < 7 * 86400
    # once the machine waited the hold out, the payout goes
    assert w.payouts.apply_holds(orders[0].order_id, hold_served=True).decision == "transfer"


def test_given_an_open_dispute_or_no_account_then_the_payout_waits() -> None:
    w = World()
    order = w.paid_order()
    w.deliver(order.order_id)
    w.books.state.disputes[order.order_id] = 1
    assert w.payouts.apply_holds(order.order_id, hold_served=True).reason == "open_dispute"
    w.books.state.disputes[order.order_id] = 0
    w.accounts.accounts.clear()
    held = w.payouts.apply_holds(order.order_id, hold_served=True)
    assert (held.decision, held.reason, held.wait_s) == ("hold", "no_connected_account", 86400)
    assert w.books.state.payouts[order.order_id].status == "held"
