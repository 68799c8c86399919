"""What the fulfilment API answers: the order's status with its shipment and cancellation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workflows.catalog.views import MoneyView
from workflows.orders.model import OrderStatus  # noqa: TC001 - pydantic reads it
from workflows.shared.clock import rfc3339

if TYPE_CHECKING:
    from workflows.orders.model import OrderRecord
    from workflows.payouts.ports import Cancellation, Shipment


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShipRequest(_View):
    carrier: str = Field(min_length=1, max_length=64, description="The carrier, e.g. 'USPS'")
    tracking_number: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9\- ]+$")

    @field_validator("carrier", "tracking_number")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class CancelRequest(_View):
    reason: str | None = Field(default=None, max_length=500)


class ShipmentView(_View):
    carrier: str
    tracking_number: str
    shipped_at: str
    auto_confirm_at: str
    delivered_at: str | None
    delivered_by: Literal["buyer", "auto"] | None


class CancellationView(_View):
    cancelled_by: Literal["buyer", "seller"]
    reason: str | None
    refund_id: str
    refunded: MoneyView
    cancelled_at: str


class FulfilmentView(_View):
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
            shipped_at=rfc3339(shipment.shipped_at),
            auto_confirm_at=rfc3339(shipment.auto_confirm_at),
            delivered_at=rfc3339(shipment.delivered_at) if shipment.delivered_at else None,
            delivered_by=shipment.delivered_by,  # type: ignore[arg-type]
        )
        if shipment
        else None,
        cancellation=CancellationView(
            cancelled_by=cancellation.role,  # type: ignore[arg-type]
            reason=cancellation.reason,
            refund_id=cancellation.refund_id,
            refunded=MoneyView.of(cancellation.amount),
            cancelled_at=rfc3339(cancellation.cancelled_at),
        )
        if cancellation
        else None,
    )
