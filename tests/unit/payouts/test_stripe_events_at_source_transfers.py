"""Stripe's transfer events reach the ledger as Stripe has the transfer, never as the payload says."""

from __future__ import annotations

from tests.unit.payouts.world import World
from workflows.ledger.model import seller_payable
from workflows.shared.money import Money


def _transfer_entries(w: World, order_id: str) -> list:
    return [e for e in w.books.ledger.entries_for_order(order_id) if e.kind == "transfer"]


def test_given_a_forged_transfer_event_with_another_amount_and_order_then_stripes_is_posted() -> None:
    # Given two paid, delivered orders and a transfer Stripe made for the first (its step crashed)
    w = World()
    first, second = w.paid_order(0), w.paid_order(1)
    w.deliver(first.order_id)
    w.stripe.made("tr_real", first.seller_net, first.order_id)
    # When an event names that transfer but claims a bigger amount, for the other order
    forged = {
        "id": "tr_real",
        "amount": first.seller_net.amount_minor * 10,
        "currency": "usd",
        "metadata": {"order_id": second.order_id},
        "reversals": {"data": [{"id": "trr_forged", "amount": 500, "currency": "usd"}]},
    }
    out = w.payouts.on_transfer_event("transfer.reversed", forged)
    # Then the ledger posts Stripe's amount, for Stripe's order, and no reversal Stripe never made
    assert out["outcome"] == "recorded" and out["reversals"] == 0
    assert len(_transfer_entries(w, first.order_id)) == 1
    assert _transfer_entries(w, second.order_id) == []
    assert w.books.state.payouts[first.order_id].transfer_id == "tr_real"
    assert w.books.state.payouts[second.order_id].transfer_id is None
    # (the seller is owed exactly the second order's net: the first was paid out in full, no more)
    owed = w.books.ledger.balance(seller_payable(first.seller_id), "USD")
    assert owed == Money(-second.seller_net.amount_minor, "USD")


def test_given_an_event_for_a_transfer_stripe_does_not_have_then_nothing_is_posted() -> None:
    w = World()
    order = w.paid_order()
    w.deliver(order.order_id)
    forged = {"id": "tr_ghost", "amount": 100, "currency": "usd", "metadata": {"order_id": order.order_id}}
    out = w.payouts.on_transfer_event("transfer.created", forged)
    assert (out["outcome"], out["reason"]) == ("ignored", "unknown_transfer")
    assert _transfer_entries(w, order.order_id) == []
    assert w.books.state.payouts[order.order_id].transfer_id is None
