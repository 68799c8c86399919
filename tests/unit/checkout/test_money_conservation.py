"""Money conservation over random checkouts (hypothesis): what the buyer is charged is exactly
the sellers' nets plus the platform's fees, order by order and in the ledger.

Each example runs checkout's own pieces: the fee quote (``quote_order``) that Create Orders
turns into one order per seller (fee and net), and the entries Mark Paid posts for them
(``checkout_payment`` + ``fee_recognized``), posted twice as a retried step would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.fees.support import NOW, line, schedule
from tests.unit.ledger.fakes import InMemoryLedger
from workflows.fees.calculate import quote_order
from workflows.ledger import entries
from workflows.ledger.entries import OrderAmounts
from workflows.ledger.invariants import OrderTotals, all_balance, order_is_settled_correctly
from workflows.shared.money import Money

lines = st.lists(
    st.tuples(
        st.sampled_from(["s1", "s2", "s3", "s4"]),  # seller
        st.integers(min_value=50, max_value=5_000_000),  # unit price
        st.integers(min_value=1, max_value=5),  # quantity
        st.integers(min_value=0, max_value=50_000),  # shipping
        st.sampled_from([None, "2", "7.5"]),  # promotion's ad rate
        st.sampled_from([("misc",), ("electronics", "phones"), ("fashion",)]),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(lines, st.sampled_from([None, 1_000, 25_000]), st.sampled_from(["9", "12.5", "3"]))
def test_given_any_checkout_then_charged_equals_seller_nets_plus_fees(spec, cap, phones_rate) -> None:
    order_lines = [
        line(price, qty, shipping, seller=seller, listing=f"l{i}", path=path, ad=ad)
        for i, (seller, price, qty, shipping, ad, path) in enumerate(spec)
    ]
    quotes = quote_order(order_lines, schedule(cap, phones=phones_rate), NOW)
    charged = sum(
        (q.items_total + q.shipping_total for q in quotes[1:]),
        quotes[0].items_total + quotes[0].shipping_total,
    )
    # the charge is the cart's items and shipping, to the cent
    assert charged == Money(sum(p * q + s for _, p, q, s, _, _ in spec), "USD")

    orders = [
        OrderAmounts(f"o-{q.seller_id}", q.seller_id, fee=q.fee_total, net=q.seller_net) for q in quotes
    ]
    assert sum(o.gross.amount_minor for o in orders) == charged.amount_minor
    ledger = InMemoryLedger()
    ledger.post_all(entries.checkout_payment(orders, "ch_test", charged))
    ledger.post_all([entries.fee_recognized(o) for o in orders if o.gross.amount_minor])
    # posting again (a retried Mark Paid) changes nothing
    ledger.post_all(entries.checkout_payment(orders, "ch_test", charged))
    assert all_balance(ledger.entries.values())
    for o in orders:
        mine = [e for e in ledger.entries.values() if e.order_id == o.order_id]
        assert order_is_settled_correctly(mine)
        totals = OrderTotals.of(mine)
        assert totals.charged == totals.seller_net + totals.fees and totals.in_transit == 0
        assert totals.seller_net == o.net.amount_minor and totals.fees == o.fee.amount_minor
