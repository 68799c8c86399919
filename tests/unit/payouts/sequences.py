"""Random sequences of payments, shipments, cancellations and payouts, and what must always hold.

Shared by the unit property test (in-memory books) and the PostgreSQL one: ``run`` applies the
operations to a :class:`~tests.unit.payouts.world.World` (whatever its books) and checks, after
every step, that the ledger balances, that every order's money adds up, and that the seller was
never sent more than buyers paid less fees and refunds.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from hypothesis import strategies as st

from tests.unit.payouts.world import BUYER, SELLER, caller
from workflows.ledger.invariants import OrderTotals, all_balance, order_is_settled_correctly
from workflows.shared.errors import ResaleError
from workflows.shared.money import Money

if TYPE_CHECKING:
    from tests.unit.payouts.world import World

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(100, 50_000), st.integers(1, 3), st.integers(0, 2_000)),
        st.tuples(
            st.sampled_from(["ship", "confirm", "cancel", "payout", "auto_confirm"]), st.integers(0, 5)
        ),
        st.tuples(st.just("transfer_event"), st.integers(0, 5), st.booleans()),
        st.tuples(st.just("reversal_event"), st.integers(0, 5), st.integers(1, 100)),
    ),
    max_size=25,
)


def _apply(world: World, orders: list[str], op: tuple) -> None:
    kind = op[0]
    if kind == "pay":
        _, price, quantity, shipping = op
        orders.append(
            world.paid_order(len(orders), unit_price=price, quantity=quantity, shipping=shipping).order_id
        )
        return
    if not orders:
        return
    order_id = orders[op[1] % len(orders)]
    if kind == "ship":
        world.fulfilment.ship(caller(SELLER), order_id, carrier="USPS", tracking_number="9400-1")
    elif kind == "confirm":
        world.fulfilment.confirm_delivery(caller(BUYER), order_id)
    elif kind == "auto_confirm":
        world.fulfilment.auto_confirm(order_id)
    elif kind == "cancel":
        world.fulfilment.cancel(caller(BUYER), order_id, reason=None)
    elif kind == "payout":
        if world.payouts.apply_holds(order_id, hold_served=True).decision == "transfer":
            world.payouts.transfer(order_id)
    elif kind in ("transfer_event", "reversal_event"):
        with world.books() as books:
            payout = books.payouts.get(order_id)
        if payout is None or payout.transfer_id is None:
            return
        transfer = {
            "id": payout.transfer_id,
            "amount": payout.amount.amount_minor,
            "currency": payout.amount.currency.lower(),
            "metadata": {"order_id": order_id},
            "reversals": {"data": []},
        }
        if kind == "transfer_event":
            world.payouts.on_transfer_event("transfer.created", transfer)
        else:
            share = max(1, payout.amount.amount_minor * op[2] // 100)
            reversal = {"id": f"trr_{order_id[:8]}", "amount": share, "currency": transfer["currency"]}
            # Stripe reverses it (the event's handler reads the transfer there)
            world.stripe.reverse(payout.transfer_id, reversal["id"], Money(share, payout.amount.currency))
            world.payouts.on_transfer_event(
                "transfer.reversed", {**transfer, "reversals": {"data": [reversal]}}
            )


def check(world: World, orders: list[str], entries_of) -> None:
    all_entries = []
    paid_less_fees_and_refunds = sent = 0
    for order_id in orders:
        found = entries_of(order_id)
        all_entries += found
        assert order_is_settled_correctly(found), (order_id, found)
        t = OrderTotals.of(found)
        paid_less_fees_and_refunds += t.charged - t.fees - t.refunds
        sent += t.transferred
    assert all_balance(all_entries)
    assert 0 <= sent <= paid_less_fees_and_refunds


def run(world: World, operations: list[tuple], entries_of) -> None:
    orders: list[str] = []
    for op in operations:
        with contextlib.suppress(ResaleError):  # a step the state does not allow: refused, nothing written
            _apply(world, orders, op)
        check(world, orders, entries_of)
