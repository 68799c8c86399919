"""Orders for tests (nothing creates them through the API yet: checkout will)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workflows.orders.model import FeeBreakdown, OrderItem, OrderRecord, OrderStatus, order_id_for
from workflows.shared.money import Money

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def an_order(
    buyer_id: str,
    seller_id: str,
    *,
    checkout_id: str = "checkout-1",
    n: int = 0,
    unit_price: int = 2500,
    quantity: int = 2,
    shipping: int = 500,
    currency: str = "USD",
    status: OrderStatus = "paid",
) -> OrderRecord:
    """An order of ``quantity`` x one listing; fee: 10 % of the gross (rounded down) + 30, cap 0."""
    items_total = Money(unit_price * quantity, currency)
    gross = items_total.amount_minor + shipping
    category = gross // 10
    fixed = min(30, gross - category)
    fee = Money(category + fixed, currency)
    moment = NOW + timedelta(minutes=n)
    return OrderRecord(
        order_id=order_id_for(f"{checkout_id}-{n}", seller_id),
        checkout_id=f"{checkout_id}-{n}",
        buyer_id=buyer_id,
        seller_id=seller_id,
        status=status,
        currency=currency,
        items_total=items_total,
        shipping_total=Money(shipping, currency),
        fees=FeeBreakdown(
            category_percentage=Money(category, currency),
            fixed=Money(fixed, currency),
            ad=Money(0, currency),
            cap_reduction=Money(0, currency),
        ),
        fee_total=fee,
        seller_net=Money(gross, currency) - fee,
        fee_schedule_version=1,
        items=(OrderItem(f"listing-{n}", f"Item {n}", quantity, Money(unit_price, currency)),),
        created_at=moment,
        updated_at=moment,
        payment_intent_id=f"pi_{n}",
    )
