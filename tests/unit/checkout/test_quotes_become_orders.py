"""Every quote the fee calculation produces is one Create Orders accepts (hypothesis).

Random schedules (category rates, fixed-fee tiers, caps that bind or not), random lines (prices,
quantities, shipping, promotions) and several sellers go through the same path as a checkout:
``calculate``'s quote → the JSON it is kept as (``QuoteView`` in ``fee_quotes``, read back by id)
→ Create Orders' ``order_from_quote`` → ``OrderRecord`` (which refuses an order whose parts do not
add up, as the database's checks do) → the entries Mark Paid posts. Before the cap was applied
once, every order whose fee reached the cap was refused here.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.fees.support import NOW, line
from tests.unit.ledger.fakes import InMemoryLedger
from workflows.checkout.model import CheckoutLine, CheckoutRecord
from workflows.checkout.service import order_from_quote
from workflows.fees.calculate import quote_order
from workflows.fees.schedule import CurrencyRules, FeeSchedule, FixedFeeTier
from workflows.fees.service import QuoteView, SellerQuoteView
from workflows.ledger import entries
from workflows.ledger.invariants import OrderTotals, all_balance, order_is_settled_correctly
from workflows.shared.money import Money

rates = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def schedules(draw: st.DrawFn) -> FeeSchedule:
    bounds = sorted(set(draw(st.lists(st.integers(min_value=0, max_value=5_000_000), max_size=3))))
    fees = sorted(
        draw(
            st.lists(
                st.integers(min_value=0, max_value=5_000), min_size=len(bounds) + 1, max_size=len(bounds) + 1
            )
        )
    )
    tiers = (*(FixedFeeTier(b, f) for b, f in zip(bounds, fees, strict=False)), FixedFeeTier(None, fees[-1]))
    rules = CurrencyRules(
        default_percent=draw(rates),
        by_category={"phones": draw(rates), "fashion": draw(rates)},
        fixed_fee_tiers=tiers,
        cap_minor=draw(st.one_of(st.none(), st.integers(min_value=0, max_value=500_000))),
    )
    return FeeSchedule(
        version=draw(st.integers(1, 9)), effective_from=NOW - timedelta(days=1), currencies={"USD": rules}
    )


lines = st.lists(
    st.tuples(
        st.sampled_from(["s1", "s2", "s3"]),  # seller
        st.integers(min_value=0, max_value=50_000_000),  # unit price, up to 500,000.00
        st.integers(min_value=1, max_value=5),  # quantity
        st.integers(min_value=0, max_value=100_000),  # shipping
        st.one_of(st.none(), st.decimals(min_value=2, max_value=100, places=2).map(str)),  # ad rate
        st.sampled_from([("misc",), ("electronics", "phones"), ("fashion",)]),
    ),
    min_size=1,
    max_size=8,
)


def _checkout(spec: list[tuple]) -> CheckoutRecord:
    return CheckoutRecord(
        checkout_id="co-prop",
        buyer_id="buyer-1",
        status="pending",
        request_hash="h",
        address_id="a1",
        ship_to={},
        shipping_choices={},
        lines=tuple(
            CheckoutLine(f"l{i}", seller, f"item {i}", qty, Money(price, "USD"))
            for i, (seller, price, qty, _, _, _) in enumerate(spec)
        ),
        expires_at=NOW + timedelta(minutes=30),
        created_at=NOW,
        updated_at=NOW,
    )


@settings(max_examples=400, deadline=None)
@given(schedules(), lines)
def test_given_any_schedule_and_cart_then_create_orders_accepts_every_quote(
    schedule: FeeSchedule, spec
) -> None:
    order_lines = [
        line(price, qty, shipping, seller=seller, listing=f"l{i}", path=path, ad=ad)
        for i, (seller, price, qty, shipping, ad, path) in enumerate(spec)
    ]
    quotes = quote_order(order_lines, schedule, NOW)
    # the quote as Calculate Fees keeps it for the checkout, and as Create Orders reads it back
    kept = QuoteView(
        sellers=[SellerQuoteView.of(q) for q in quotes], currency="USD", quoted_at=NOW
    ).model_dump_json()
    read = QuoteView.model_validate_json(kept)

    checkout = _checkout(spec)
    orders = [order_from_quote(checkout, seller, read.currency, NOW) for seller in read.sellers]

    for order, q in zip(orders, quotes, strict=True):
        assert order.fees.total == order.fee_total == q.fee_total
        assert order.fee_total + order.seller_net == order.gross
        cap = schedule.currencies["USD"].cap_minor
        if cap is not None:
            assert order.fee_total.amount_minor <= cap
        assert order.fees.cap_reduction == q.cap_reduction
    charged = sum((o.gross for o in orders), Money(0, "USD"))
    assert charged.amount_minor == sum(p * q + s for _, p, q, s, _, _ in spec)

    ledger = InMemoryLedger()
    ledger.post_all(entries.checkout_payment([o.amounts() for o in orders], "ch_prop", charged))
    ledger.post_all([entries.fee_recognized(o.amounts()) for o in orders if o.gross.amount_minor])
    assert all_balance(ledger.entries.values())
    for o in orders:
        mine = [e for e in ledger.entries.values() if e.order_id == o.order_id]
        assert order_is_settled_correctly(mine)
        totals = OrderTotals.of(mine)
        assert totals.fees == o.fee_total.amount_minor and totals.seller_net == o.seller_net.amount_minor


def test_given_a_sale_over_the_cap_then_the_order_keeps_the_capped_fee() -> None:
    # Given the seeded shape of schedule: 13.25 % and a 750.00 cap; a 20,000.00 item
    rules = CurrencyRules(
        Decimal("13.25"), (FixedFeeTier(1000, 30), FixedFeeTier(None, 40)), cap_minor=75_000
    )
    schedule = FeeSchedule(1, NOW - timedelta(days=1), {"USD": rules})
    spec = [("s1", 2_000_000, 1, 0, None, ("misc",))]
    (q,) = quote_order([line(2_000_000, seller="s1", listing="l0")], schedule, NOW)
    seller = SellerQuoteView.of(q)

    # When Create Orders turns it into an order
    order = order_from_quote(_checkout(spec), seller, "USD", NOW)

    # Then the fee is the cap, the parts add up to it and the seller nets the rest
    assert order.fee_total == Money(75_000, "USD")
    assert order.fees.total == order.fee_total
    assert order.fees.cap_reduction.amount_minor == 265_000 + 40 - 75_000
    assert order.seller_net == Money(2_000_000 - 75_000, "USD")
