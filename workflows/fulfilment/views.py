"""What the fulfilment API answers: the order's status with its shipment and cancellation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from workflows.orders.model import OrderStatus  # noqa: TC001 - pydantic reads it
from workflows.shared.views import MoneyView, Timestamp, View

if TYPE_CHECKING:
    from workflows.orders.model import OrderRecord
    from workflows.payouts.ports import Cancellation, Shipment


class ShipmentView(View):
    carrier: str
    tracking_number: str
    shipped_at: Timestamp
    auto_confirm_at: Timestamp
    delivered_at: Timestamp | None
    delivered_by: Literal["buyer", "auto"] | None


class CancellationView(View):
    cancelled_by: Literal["buyer", "seller"]
    reason: str | None
    refund_id: str
    refunded: MoneyView
    cancelled_at: Timestamp


class FulfilmentView(View):
    order_id: str
    status: OrderStatus
    shipment: ShipmentView | None
    cancellation: CancellationView | None


def fulfilment_view(
    order: OrderRecord, shipment: Shipment | None, cancellation: Cancellation | None
) -> FulfilmentView:
    return FulfilmentView(
        order_id=order.order_id,
        status=order.status,
        shipment=ShipmentView(
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            shipped_at=shipment.shipped_at,
            auto_confirm_at=shipment.auto_confirm_at,
            delivered_at=shipment.delivered_at,
            delivered_by=shipment.delivered_by,  # type: ignore[arg-type]
        )
        if shipment
        else None,
        cancellation=CancellationView(
            cancelled_by=cancellation.role,  # type: ignore[arg-type]
            reason=cancellation.reason,
            refund_id=cancellation.refund_id,
            refunded=MoneyView.of(cancellation.amount),
            cancelled_at=cancellation.cancelled_at,
        )
        if cancellation
        else None,
    )
