"""What the API answers about an order: the seller sees the fee and the net; the buyer does not."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from workflows.orders.model import OrderStatus  # noqa: TC001 - pydantic reads it
from workflows.shared.views import MoneyView, Timestamp, View

if TYPE_CHECKING:
    from workflows.orders.model import OrderItem, OrderRecord


class OrderItemView(View):
    listing_id: str
    title: str
    quantity: int
    unit_price: MoneyView

    @classmethod
    def of(cls, item: OrderItem) -> OrderItemView:
        return cls(
            listing_id=item.listing_id,
            title=item.title,
            quantity=item.quantity,
            unit_price=MoneyView.of(item.unit_price),
        )


class OrderFeesView(View):
    category_percentage: MoneyView
    fixed: MoneyView
    ad: MoneyView
    cap_reduction: MoneyView
    total: MoneyView
    schedule_version: int


class BuyerOrderView(View):
    """An order as its buyer sees it."""

    order_id: str
    checkout_id: str
    role: Literal["buyer", "seller"]
    buyer_id: str
    seller_id: str
    status: OrderStatus
    items: list[OrderItemView]
    items_total: MoneyView
    shipping_total: MoneyView
    total: MoneyView
    created_at: Timestamp
    updated_at: Timestamp


class SellerOrderView(BuyerOrderView):
    """An order as its seller sees it: with the platform's fee, in parts, and the seller's net."""

    fees: OrderFeesView
    seller_net: MoneyView


def order_view(order: OrderRecord, role: Literal["buyer", "seller"]) -> BuyerOrderView | SellerOrderView:
    common = {
        "order_id": order.order_id,
        "checkout_id": order.checkout_id,
        "role": role,
        "buyer_id": order.buyer_id,
        "seller_id": order.seller_id,
        "status": order.status,
        "items": [OrderItemView.of(i) for i in order.items],
        "items_total": MoneyView.of(order.items_total),
        "shipping_total": MoneyView.of(order.shipping_total),
        "total": MoneyView.of(order.gross),
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }
    if role == "buyer":
        return BuyerOrderView.model_validate(common)
    fees = OrderFeesView(
        category_percentage=MoneyView.of(order.fees.category_percentage),
        fixed=MoneyView.of(order.fees.fixed),
        ad=MoneyView.of(order.fees.ad),
        cap_reduction=MoneyView.of(order.fees.cap_reduction),
        total=MoneyView.of(order.fee_total),
        schedule_version=order.fee_schedule_version,
    )
    return SellerOrderView.model_validate(
        {**common, "fees": fees, "seller_net": MoneyView.of(order.seller_net)}
    )


class OrderPage(View):
    items: list[SellerOrderView | BuyerOrderView]
    next_cursor: str | None
