"""The payloads the payout state machine hands its steps (ids, never documents)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OrderStep(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    order_id: str = Field(min_length=1, max_length=64)


class HoldsStep(OrderStep):
    hold_served: bool = False


class StopStep(OrderStep):
    reason: str = Field(default="order_not_payable", min_length=1, max_length=64)
