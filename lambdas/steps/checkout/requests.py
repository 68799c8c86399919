"""What the checkout machine passes its steps (see the Payload of each state in checkout.json)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class CheckoutStep(BaseModel):
    """Every step gets the checkout id (the execution's name) and the execution, for the logs."""

    checkout_id: str = Field(min_length=1, max_length=64)
    execution: str | None = None


class CreateOrdersStep(CheckoutStep):
    quote: dict[str, Any]


class AbandonStep(CheckoutStep):
    outcome: Literal["payment_failed", "expired", "cancelled"]
    error: dict[str, Any] | None = None


class RefundStep(CheckoutStep):
    error: dict[str, Any] | None = None
